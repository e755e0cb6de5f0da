"""Alipay's wire code: the request's RSA2 signature over its sorted parameters, the answer's
signature over its exact text, and each gateway error as the same wxsession error."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from wxsession.core.errors import WxSessionError
from wxsession.platforms.alipay import wire

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ALIPAY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
STRANGER = rsa.generate_private_key(public_exponent=65537, key_size=2048)

PARAMS = {
    "app_id": "2014072300007148",
    "method": "alipay.system.oauth.token",
    "format": "JSON",
    "charset": "utf-8",
    "sign_type": "RSA2",
    "timestamp": "2014-07-24 03:07:50",
    "version": "1.0",
    "grant_type": "authorization_code",
    "code": "4b203fe6c11548bcabd8da5bb087a83b",
}
CONTENT = (
    "app_id=2014072300007148&charset=utf-8&code=4b203fe6c11548bcabd8da5bb087a83b"
    "&format=JSON&grant_type=authorization_code&method=alipay.system.oauth.token"
    "&sign_type=RSA2&timestamp=2014-07-24 03:07:50&version=1.0"
)
NOW = 1406142470.0  # 2014-07-23 19:07:50 UTC: 03:07:50 the next day in Beijing


def rsa2(text: str, key: rsa.RSAPrivateKey = ALIPAY) -> str:
    """The RSA2 signature of ``text``, made here with cryptography itself."""
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def signed(raw: str, member: str = wire.RESPONSE_KEY, *, key: Any = ALIPAY) -> bytes:
    """An answer carrying ``raw`` (exact text) as ``member``, signed over it by ``key``."""
    sign = "" if key is None else f',"sign":"{rsa2(raw, key)}"'
    return f'{{"{member}":{raw}{sign}}}'.encode()


def parse(body: bytes, id_type: str = "open_id", status: int = 200) -> wire.AlipayUser:
    return wire.parse_token(status, body, ALIPAY.public_key(), id_type)


def refused(body: bytes, status: int = 200) -> WxSessionError:
    with pytest.raises(WxSessionError) as caught:
        parse(body, status=status)
    return caught.value


def test_the_signed_text_is_the_sorted_non_empty_parameters_without_sign() -> None:
    assert wire.sign_content({**PARAMS, "sign": "old", "app_auth_token": ""}) == CONTENT


def test_the_signature_is_rsa2_over_that_text() -> None:
    signature = wire.sign(PARAMS, KEY)
    assert signature == rsa2(CONTENT, KEY)  # PKCS#1 v1.5 is deterministic: a known vector
    assert wire.verifies(CONTENT, signature, KEY.public_key())
    assert not wire.verifies(CONTENT + "&x=1", signature, KEY.public_key())
    assert not wire.verifies(CONTENT, signature, STRANGER.public_key())
    assert not wire.verifies(CONTENT, "not base64!", KEY.public_key())


def test_the_request_is_signed_with_the_time_in_beijing() -> None:
    request = wire.token_request(PARAMS["app_id"], KEY, PARAMS["code"], NOW)
    assert (request.method, request.path) == ("POST", "/gateway.do")
    assert {k: v for k, v in request.params.items() if k != "sign"} == PARAMS
    assert request.params["sign"] == rsa2(CONTENT, KEY)
    assert PARAMS["code"] not in repr(request)


def test_raw_members_keep_the_exact_text() -> None:
    body = '\n{ "a" : {"x": "\\u652f\\u4ed8/\\/",  "n": [1, {"y": null}]} ,"sign":"s" }  '
    assert wire.raw_members(body) == {
        "a": '{"x": "\\u652f\\u4ed8/\\/",  "n": [1, {"y": null}]}',
        "sign": '"s"',
    }
    assert wire.raw_members("{}") == {}


@pytest.mark.parametrize("body", ["", "[]", "{", '{"a": 1} x', '{"a" 1}', '{"a": 1,}', "{1: 2}"])
def test_raw_members_refuse_what_is_not_one_object(body: str) -> None:
    assert wire.raw_members(body) is None


def test_a_signed_answer_names_the_user_by_the_apps_id_type() -> None:
    raw = '{"open_id": "074a1CcTG1Lelx", "user_id": "2088102150477652", "union_id": "u1"}'
    assert parse(signed(raw)) == wire.AlipayUser("074a1CcTG1Lelx", "u1")
    assert parse(signed(raw), "user_id").subject == "2088102150477652"


def test_the_signature_covers_the_exact_text_not_a_reserialisation() -> None:
    raw = '{ "open_id" : "o1",\n "nick": "支付宝" }'
    assert parse(signed(raw)).subject == "o1"
    compact = json.dumps(json.loads(raw), separators=(",", ":"), ensure_ascii=False)
    body = f'{{"{wire.RESPONSE_KEY}":{raw},"sign":"{rsa2(compact)}"}}'.encode()
    assert refused(body).code == "PROVIDER_ERROR"


def test_escaped_slashes_are_also_read_as_slashes() -> None:
    """Alipay's SDKs check once more with ``\\/`` as ``/``: JSON may escape a slash."""
    raw = '{"open_id": "o\\/1"}'
    body = f'{{"{wire.RESPONSE_KEY}":{raw},"sign":"{rsa2(raw.replace(chr(92) + "/", "/"))}"}}'
    assert parse(body.encode()).subject == "o/1"


def test_a_tampered_answer_is_refused_and_the_operator_told(
    caplog: pytest.LogCaptureFixture,
) -> None:
    raw = '{"open_id": "alice"}'
    tampered = signed(raw).replace(b'"alice"', b'"mallory"')
    caplog.set_level(logging.ERROR)
    error = refused(tampered)
    assert (error.code, error.status) == ("PROVIDER_ERROR", 502)
    assert "WXSESSION_ALIPAY_PUBLIC_KEY" in caplog.text
    assert "mallory" not in caplog.text


@pytest.mark.parametrize("key", [STRANGER, None], ids=["another key", "unsigned"])
def test_a_success_must_be_signed_by_alipay(key: Any) -> None:
    assert refused(signed('{"open_id": "o1"}', key=key)).code == "PROVIDER_ERROR"


@pytest.mark.parametrize("raw", ['{"user_id": "2088"}', '{"open_id": ""}', '{"open_id": 5}'])
def test_an_answer_without_the_apps_id_is_malformed(
    raw: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    assert refused(signed(raw)).code == "PROVIDER_ERROR"
    assert "no open_id: check WXSESSION_ALIPAY_ID_TYPE" in caplog.text


def error(code: str, sub_code: str | None = None, *, key: Any = ALIPAY) -> bytes:
    content: dict[str, str] = {"code": code, "msg": "m"}
    if sub_code is not None:
        content |= {"sub_code": sub_code, "sub_msg": "说明"}
    return signed(json.dumps(content, ensure_ascii=False), wire.ERROR_KEY, key=key)


@pytest.mark.parametrize(
    ("body", "code", "status"),
    [
        (error("40002", "isv.code-invalid"), "PROVIDER_CODE_INVALID", 401),
        (error("40002", "isv.code-invalid", key=None), "PROVIDER_CODE_INVALID", 401),
        (error("40002", "isv.invalid-app-id", key=None), "PROVIDER_MISCONFIGURED", 502),
        (error("40002", "isv.invalid-signature"), "PROVIDER_MISCONFIGURED", 502),
        (error("40001", "isv.missing-signature-key"), "PROVIDER_MISCONFIGURED", 502),
        (error("40006", "isv.insufficient-isv-permissions"), "PROVIDER_MISCONFIGURED", 502),
        (error("40006", "isv.something-new"), "PROVIDER_MISCONFIGURED", 502),
        (error("20000", "isp.unknow-error"), "PROVIDER_UNAVAILABLE", 503),
        (error("20000", "aop.unknow-error"), "PROVIDER_UNAVAILABLE", 503),
        (error("20000"), "PROVIDER_UNAVAILABLE", 503),
        (error("40004", "isv.something-new"), "PROVIDER_ERROR", 502),
        (error("40002", "isv.code-invalid", key=STRANGER), "PROVIDER_ERROR", 502),
        (signed('{"code": "40002", "sub_code": "isv.code-invalid"}'), "PROVIDER_CODE_INVALID", 401),
        (b'{"other_response": {}}', "PROVIDER_ERROR", 502),
        (b"<html>502</html>", "PROVIDER_ERROR", 502),
        (b'{"error_response": {"code": "40002"}}\xff', "PROVIDER_ERROR", 502),
    ],
)
def test_each_gateway_error_becomes_one_wxsession_error(
    body: bytes, code: str, status: int
) -> None:
    found = refused(body)
    assert (found.code, found.status) == (code, status)


def test_busy_answers_back_the_platform_off() -> None:
    assert refused(error("20000", "isp.unknow-error")).platform_busy
    assert not refused(error("40002", "isv.code-invalid")).platform_busy


def test_an_http_error_status_is_an_outage() -> None:
    assert refused(signed('{"open_id": "o1"}'), status=502).code == "PROVIDER_UNAVAILABLE"
