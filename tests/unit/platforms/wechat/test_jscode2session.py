"""jscode2session request building and answer parsing, on plain bytes."""

from __future__ import annotations

import json
import logging

import pytest

from wxsession.core.errors import RateLimited, WxSessionError
from wxsession.core.platform_errors import (
    WeChatCodeInvalid,
    WeChatCodeUsed,
    WeChatError,
    WeChatMisconfigured,
    WeChatUnavailable,
    WeChatUserBlocked,
)
from wxsession.platforms.wechat.errcodes import ERRORS, WeChatErrcode
from wxsession.platforms.wechat.wire import Code2Session, code2session_request, parse_code2session

SESSION_KEY = "tiihtNczf5v6AKRyjwEUhQ=="


def body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def test_request_carries_the_four_documented_parameters() -> None:
    request = code2session_request("wx123", "s3cret", "0a1b2c")
    assert request.path == "/sns/jscode2session"
    assert dict(request.params) == {
        "appid": "wx123",
        "secret": "s3cret",
        "js_code": "0a1b2c",
        "grant_type": "authorization_code",
    }
    assert "s3cret" not in repr(request)
    assert "0a1b2c" not in repr(request)


def test_success_with_unionid() -> None:
    parsed = parse_code2session(200, body(openid="oA", session_key=SESSION_KEY, unionid="oU"))
    assert parsed == Code2Session(openid="oA", session_key=SESSION_KEY, unionid="oU")


def test_success_without_unionid() -> None:
    parsed = parse_code2session(200, body(openid="oA", session_key=SESSION_KEY))
    assert parsed == Code2Session(openid="oA", session_key=SESSION_KEY, unionid=None)


def test_empty_unionid_means_none() -> None:
    parsed = parse_code2session(200, body(openid="oA", session_key=SESSION_KEY, unionid=""))
    assert parsed.unionid is None


def test_errcode_zero_alongside_data_is_success() -> None:
    parsed = parse_code2session(
        200, body(errcode=0, errmsg="ok", openid="oA", session_key=SESSION_KEY)
    )
    assert parsed.openid == "oA"
    assert parsed.session_key == SESSION_KEY


def test_body_is_parsed_whatever_its_content_type_was() -> None:
    # The parser never sees headers, so WeChat's text/plain JSON parses like any other JSON.
    raw = b'  {"openid": "oA", "session_key": "' + SESSION_KEY.encode() + b'"}\n'
    assert parse_code2session(200, raw).openid == "oA"


def test_repr_hides_everything_sensitive() -> None:
    parsed = Code2Session(openid="oSECRETID", session_key=SESSION_KEY, unionid="oUNION")
    shown = repr(parsed)
    for value in ("oSECRETID", SESSION_KEY, "oUNION"):
        assert value not in shown


def test_errcode_is_mapped_and_errmsg_is_not_shown_to_clients() -> None:
    with pytest.raises(WeChatCodeInvalid) as caught:
        parse_code2session(200, body(errcode=40029, errmsg="invalid code, rid: 65f0c2a1-1-2"))
    assert "rid" not in caught.value.message
    assert "rid" not in json.dumps(caught.value.to_dict())


def test_errcode_without_errmsg_is_still_mapped() -> None:
    with pytest.raises(WeChatCodeInvalid):
        parse_code2session(200, body(errcode=40029))


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"<html><body><h1>502 Bad Gateway</h1></body></html>",
        b"\xff\xfe\x00garbage",
        b'{"openid": "oA", "session_key": ',
    ],
    ids=["empty", "text", "html", "binary", "truncated"],
)
def test_garbage_is_a_gateway_error(raw: bytes) -> None:
    with pytest.raises(WeChatError):
        parse_code2session(200, raw)


@pytest.mark.parametrize("raw", [b"[]", b'["oA"]', b"42", b'"oA"', b"null", b"true"])
def test_json_that_is_not_an_object_is_a_gateway_error(raw: bytes) -> None:
    with pytest.raises(WeChatError):
        parse_code2session(200, raw)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"openid": "oA"},
        {"session_key": SESSION_KEY},
        {"openid": "", "session_key": SESSION_KEY},
        {"openid": "oA", "session_key": ""},
        {"openid": 42, "session_key": SESSION_KEY},
        {"openid": "oA", "session_key": None},
        {"openid": "oA", "session_key": SESSION_KEY, "unionid": 7},
        {"errcode": 0, "errmsg": "ok"},
        {"errcode": "40029", "errmsg": "string errcode"},
        {"errcode": True, "openid": "oA", "session_key": SESSION_KEY},
    ],
)
def test_missing_or_mistyped_fields_are_a_gateway_error(fields: dict[str, object]) -> None:
    with pytest.raises(WeChatError):
        parse_code2session(200, json.dumps(fields).encode())


@pytest.mark.parametrize("status", [301, 404, 429, 500, 502, 503, 504])
def test_non_2xx_status_is_unavailable_even_with_a_valid_body(status: int) -> None:
    with pytest.raises(WeChatUnavailable) as caught:
        parse_code2session(status, body(openid="oA", session_key=SESSION_KEY))
    assert caught.value.status == 503
    assert int(caught.value.headers["Retry-After"]) > 0


def test_html_error_page_with_5xx_is_unavailable() -> None:
    with pytest.raises(WeChatUnavailable):
        parse_code2session(502, b"<html><body>502 Bad Gateway</body></html>")


def test_every_failure_is_a_wxsession_error() -> None:
    for status, raw in [(200, b"x"), (500, b""), (200, body(errcode=1))]:
        with pytest.raises(WxSessionError):
            parse_code2session(status, raw)


ERRCODE_MAPPING = [
    (40029, WeChatCodeInvalid, 401),
    (41008, WeChatCodeInvalid, 401),
    (40163, WeChatCodeUsed, 401),
    (45011, RateLimited, 429),
    (40226, WeChatUserBlocked, 403),
    (-1, WeChatUnavailable, 503),
    (40013, WeChatMisconfigured, 502),
    (40125, WeChatMisconfigured, 502),
    (41002, WeChatMisconfigured, 502),
    (41004, WeChatMisconfigured, 502),
    (99999, WeChatError, 502),
    (40001, WeChatError, 502),
]


@pytest.mark.parametrize(("errcode", "error_class", "status"), ERRCODE_MAPPING)
def test_error_for_maps_each_errcode(
    errcode: int, error_class: type[WxSessionError], status: int
) -> None:
    error = ERRORS.error_for(errcode, "some text, rid: 65f0c2a1-1a2b3c4d-5e6f7a8b")
    assert type(error) is error_class
    assert error.status == status
    assert "rid" not in error.message


def test_rate_limit_asks_to_wait_a_minute() -> None:
    assert ERRORS.error_for(WeChatErrcode.RATE_LIMITED, "").headers == {"Retry-After": "60"}


@pytest.mark.parametrize("errcode", [40013, 40125, 41002, 41004])
def test_misconfiguration_is_logged_loudly_with_errcode_and_errmsg(
    errcode: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ERRORS.error_for(errcode, "invalid appsecret, rid: 65f0c2a1-1a2b3c4d-5e6f7a8b")
    [record] = [r for r in caplog.records if r.name == "wxsession.platforms.wechat"]
    assert record.levelno == logging.ERROR
    assert str(errcode) in record.getMessage()
    assert "65f0c2a1-1a2b3c4d-5e6f7a8b" in record.getMessage()


def test_errmsg_is_logged_quoted_and_shortened(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ERRORS.error_for(40029, "line one\nFAKE LOG LINE" + "x" * 1000)
    message = caplog.records[-1].getMessage()
    assert "\n" not in message
    assert len(message) < 400


def test_errcodes_are_named() -> None:
    assert WeChatErrcode(40163) is WeChatErrcode.CODE_USED
    assert WeChatErrcode.SYSTEM_BUSY == -1
    assert WeChatErrcode.OK == 0
