"""Access token, phone number and checksession answers, parsed from plain bytes."""

from __future__ import annotations

import json

import pytest

from wxsession.core.platform_errors import (
    WeChatAccessTokenRejected,
    WeChatError,
    WeChatMisconfigured,
    WeChatPhoneCodeInvalid,
    WeChatUnavailable,
)
from wxsession.platforms.wechat import api

APPID = "wx4f4bc4dec97d474b"


def body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def phone_answer(country: object, appid: str = APPID) -> bytes:
    info = {
        "phoneNumber": "+86 13800138000",
        "purePhoneNumber": "13800138000",
        "countryCode": country,
        "watermark": {"appid": appid, "timestamp": 1637744274},
    }
    return body(errcode=0, errmsg="ok", phone_info=info)


def test_stable_token_request_is_a_json_post() -> None:
    request = api.stable_token_request(APPID, "s3cret")
    assert (request.method, request.path) == ("POST", "/cgi-bin/stable_token")
    assert request.body == {
        "grant_type": "client_credential",
        "appid": APPID,
        "secret": "s3cret",
        "force_refresh": False,
    }
    assert "s3cret" not in repr(request)


def test_access_token_answers() -> None:
    token = api.parse_access_token(200, body(access_token="T", expires_in=7200))
    assert (token.token, token.expires_in) == ("T", 7200)
    assert "T" not in repr(token).replace("AccessToken", "")
    for bad in [body(access_token="", expires_in=7200), body(access_token="T"), b"<html>"]:
        with pytest.raises(WeChatError):
            api.parse_access_token(200, bad)
    with pytest.raises(WeChatUnavailable):
        api.parse_access_token(502, b"")
    with pytest.raises(WeChatMisconfigured):  # from the token endpoint: a wrong AppSecret
        api.parse_access_token(200, body(errcode=40001, errmsg="invalid credential"))


@pytest.mark.parametrize("errcode", [40001, 42001])
def test_a_refused_token_is_its_own_error(errcode: int) -> None:
    with pytest.raises(WeChatAccessTokenRejected):
        api.parse_phone_number(200, body(errcode=errcode, errmsg="x"), APPID)


@pytest.mark.parametrize("country", ["86", 86])
def test_country_code_as_string_or_number(country: object) -> None:
    found = api.parse_phone_number(200, phone_answer(country), APPID)
    assert found.country_code == "86"
    assert found.pure_phone_number == "13800138000"


def test_phone_answers_refused() -> None:
    with pytest.raises(WeChatPhoneCodeInvalid):
        api.parse_phone_number(200, body(errcode=40029, errmsg="invalid code"), APPID)
    with pytest.raises(WeChatError):
        api.parse_phone_number(200, phone_answer("86", appid="wx0000000000000000"), APPID)
    for country in [None, True, "", 0]:
        with pytest.raises(WeChatError):
            api.parse_phone_number(200, phone_answer(country), APPID)


def test_checksession_signature_is_keyed_by_the_key_text() -> None:
    key = "HyVFkGl5F5OQWJZZaNzBBg=="
    # printf '' | openssl dgst -sha256 -hmac 'HyVFkGl5F5OQWJZZaNzBBg=='
    expected = "252b75c92698025afe925b29cca5517fdf9ee67aae072cf3225ebf3a53783058"
    assert api.session_key_signature(key) == expected
    request = api.check_session_request("T", "openid", key)
    assert request.params["signature"] == expected
    assert request.params["sig_method"] == "hmac_sha256"
    assert api.parse_check_session(200, body(errcode=0, errmsg="ok")) is True
    assert api.parse_check_session(200, body(errcode=87009, errmsg="invalid signature")) is False
