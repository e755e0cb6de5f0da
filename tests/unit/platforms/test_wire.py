"""The platforms' wire code with plain bytes: request building, every answer shape and
error code, without HTTP."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from wxsession.core.errors import WxSessionError
from wxsession.platforms.baidu import wire as baidu
from wxsession.platforms.douyin import wire as douyin
from wxsession.platforms.kuaishou import wire as kuaishou
from wxsession.platforms.qq import wire as qq
from wxsession.platforms.wechat_app import wire as wechat_app
from wxsession.platforms.wire import ErrorTable, PlatformErrors, PlatformRequest, PlatformSession


def body(data: Any) -> bytes:
    return json.dumps(data).encode()


def code_of(parse: Callable[[], object]) -> tuple[str, int]:
    with pytest.raises(WxSessionError) as caught:
        parse()
    return caught.value.code, caught.value.status


def test_qq_request_is_jscode2session_with_the_code() -> None:
    request = qq.code2session_request("1101", "s3cret", "the-code")
    assert (request.method, request.path) == ("GET", "/sns/jscode2session")
    assert request.params == {
        "appid": "1101",
        "secret": "s3cret",
        "js_code": "the-code",
        "grant_type": "authorization_code",
    }
    assert "s3cret" not in repr(request)


def test_douyin_request_is_a_json_post() -> None:
    request = douyin.code2session_request("tt1", "s3cret", "the-code")
    assert (request.method, request.path) == ("POST", "/api/apps/v2/jscode2session")
    assert request.body == {"appid": "tt1", "secret": "s3cret", "code": "the-code"}
    assert "s3cret" not in repr(request)


def test_baidu_request_is_a_form_post() -> None:
    request = baidu.session_key_request("bdkey", "s3cret", "the-code@host")
    assert (request.method, request.path) == ("POST", "/oauth/jscode2sessionkey")
    assert request.form == {"code": "the-code@host", "client_id": "bdkey", "sk": "s3cret"}
    assert (request.params, request.body) == ({}, None)
    assert "s3cret" not in repr(request)


def test_baidu_success_has_no_unionid() -> None:
    answer = body({"openid": "o1", "session_key": "k1"})
    assert baidu.parse_session_key(200, answer) == PlatformSession("o1", "k1", None)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("invalid_grant", ("PROVIDER_CODE_INVALID", 401)),
        ("invalid_client", ("PROVIDER_MISCONFIGURED", 502)),
        ("unauthorized_client", ("PROVIDER_MISCONFIGURED", 502)),
        ("invalid_request", ("PROVIDER_ERROR", 502)),
        ("unsupported_grant_type", ("PROVIDER_ERROR", 502)),
        (40029, ("PROVIDER_ERROR", 502)),
        ("", ("PROVIDER_ERROR", 502)),
    ],
)
@pytest.mark.parametrize("status", [200, 400, 401])
def test_baidu_errors_under_any_status_below_500(
    error: object, expected: tuple[str, int], status: int
) -> None:
    answer = body({"error": error, "error_description": "Invalid authorization code: x"})
    assert code_of(lambda: baidu.parse_session_key(status, answer)) == expected


def test_kuaishou_request_is_a_form_post() -> None:
    request = kuaishou.code2session_request("ks1", "s3cret", "the-code")
    assert (request.method, request.path) == ("POST", "/oauth2/mp/code2session")
    assert request.form == {"app_id": "ks1", "app_secret": "s3cret", "js_code": "the-code"}
    assert (request.params, request.body) == ({}, None)
    assert "s3cret" not in repr(request)


def test_kuaishou_success_reads_open_id() -> None:
    answer = body({"result": 1, "open_id": "o1", "session_key": "k1"})
    assert kuaishou.parse_code2session(200, answer) == PlatformSession("o1", "k1", None)
    assert code_of(lambda: kuaishou.parse_code2session(200, body({"result": 1}))) == (
        "PROVIDER_ERROR",
        502,
    )


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (100200105, ("PROVIDER_CODE_INVALID", 401)),
        (100200500, ("PROVIDER_UNAVAILABLE", 503)),
        (100200101, ("PROVIDER_MISCONFIGURED", 502)),
        (100200100, ("PROVIDER_ERROR", 502)),
        (100200104, ("PROVIDER_ERROR", 502)),
        ("100200105", ("PROVIDER_ERROR", 502)),
        (True, ("PROVIDER_ERROR", 502)),
        (None, ("PROVIDER_ERROR", 502)),
    ],
)
def test_kuaishou_result_codes(result: object, expected: tuple[str, int]) -> None:
    answer = body({"result": result, "error_msg": "rid: secret-looking"})
    assert code_of(lambda: kuaishou.parse_code2session(200, answer)) == expected


def test_qq_success_with_errcode_zero_and_empty_unionid() -> None:
    answer = {"errcode": 0, "errmsg": "", "openid": "o1", "session_key": "k1", "unionid": ""}
    assert qq.parse_code2session(200, body(answer)) == PlatformSession("o1", "k1", None)
    answer["unionid"] = "u1"
    assert qq.parse_code2session(200, body(answer)).unionid == "u1"


def test_douyin_success_reads_data() -> None:
    data = {"openid": "o1", "session_key": "k1", "unionid": "u1", "anonymous_openid": ""}
    answer = {"err_no": 0, "err_tips": "success", "log_id": "L", "data": data}
    assert douyin.parse_code2session(200, body(answer)) == PlatformSession("o1", "k1", "u1")


@pytest.mark.parametrize(
    ("errcode", "expected"),
    [
        (40029, ("PROVIDER_CODE_INVALID", 401)),
        (40163, ("PROVIDER_CODE_INVALID", 401)),
        (45011, ("RATE_LIMITED", 429)),
        (-1, ("PROVIDER_UNAVAILABLE", 503)),
        (40013, ("PROVIDER_MISCONFIGURED", 502)),
        (40125, ("PROVIDER_MISCONFIGURED", 502)),
        (-1009, ("PROVIDER_ERROR", 502)),
    ],
)
def test_qq_error_codes(errcode: int, expected: tuple[str, int]) -> None:
    answer = body({"errcode": errcode, "errmsg": "rid: secret-looking"})
    assert code_of(lambda: qq.parse_code2session(200, answer)) == expected


@pytest.mark.parametrize(
    ("err_no", "expected"),
    [
        (40018, ("PROVIDER_CODE_INVALID", 401)),
        (40019, ("PROVIDER_CODE_INVALID", 401)),
        (-1, ("PROVIDER_UNAVAILABLE", 503)),
        (40015, ("PROVIDER_MISCONFIGURED", 502)),
        (40017, ("PROVIDER_MISCONFIGURED", 502)),
        (40014, ("PROVIDER_ERROR", 502)),
        (12345, ("PROVIDER_ERROR", 502)),
    ],
)
def test_douyin_error_codes(err_no: int, expected: tuple[str, int]) -> None:
    answer = body({"err_no": err_no, "err_tips": "bad", "data": {"openid": ""}})
    assert code_of(lambda: douyin.parse_code2session(200, answer)) == expected


@pytest.mark.parametrize(
    ("errcode", "expected"),
    [
        (40029, ("WECHAT_CODE_INVALID", 401)),
        (40163, ("WECHAT_CODE_USED", 401)),
        (-1, ("WECHAT_UNAVAILABLE", 503)),
        (40001, ("WECHAT_MISCONFIGURED", 502)),
        (40125, ("WECHAT_MISCONFIGURED", 502)),
        (40013, ("WECHAT_MISCONFIGURED", 502)),
        (45011, ("RATE_LIMITED", 429)),
        (99999, ("WECHAT_ERROR", 502)),
    ],
)
def test_wechat_app_access_token_error_codes(errcode: int, expected: tuple[str, int]) -> None:
    answer = body({"errcode": errcode, "errmsg": "x"})
    assert code_of(lambda: wechat_app.parse_access_token(200, answer)) == expected


def test_an_error_records_the_wechat_errcode_only_for_wechat() -> None:
    with pytest.raises(WxSessionError) as app:
        wechat_app.parse_access_token(200, body({"errcode": 40029}))
    with pytest.raises(WxSessionError) as other:
        qq.parse_code2session(200, body({"errcode": 40029}))
    assert (app.value.wechat_errcode, other.value.wechat_errcode) == (40029, None)


PARSERS: list[tuple[str, Callable[[int, bytes], object], str]] = [
    ("qq", qq.parse_code2session, "PROVIDER"),
    ("douyin", douyin.parse_code2session, "PROVIDER"),
    ("baidu", baidu.parse_session_key, "PROVIDER"),
    ("kuaishou", kuaishou.parse_code2session, "PROVIDER"),
    ("wechat_app", wechat_app.parse_access_token, "WECHAT"),
]


@pytest.mark.parametrize(("name", "parse", "family"), PARSERS, ids=[p[0] for p in PARSERS])
@pytest.mark.parametrize(
    "raw",
    [
        b"<html>gateway</html>",
        b"",
        b"\xff\xfe",
        b"[1]",
        b'{"errcode": true}',
        b'{"err_no": "0"}',
        b'{"openid": 5, "session_key": "k", "access_token": "t", "data": []}',
        b"[" * 10000,
    ],
)
def test_garbage_is_a_platform_error(
    name: str, parse: Callable[[int, bytes], object], family: str, raw: bytes
) -> None:
    assert code_of(lambda: parse(200, raw)) == (f"{family}_ERROR", 502)


@pytest.mark.parametrize(("name", "parse", "family"), PARSERS, ids=[p[0] for p in PARSERS])
@pytest.mark.parametrize("status", [400, 500, 502, 503])
def test_a_non_2xx_status_is_an_outage(
    name: str, parse: Callable[[int, bytes], object], family: str, status: int
) -> None:
    assert code_of(lambda: parse(status, b"{}")) == (f"{family}_UNAVAILABLE", 503)


def test_the_platform_message_is_logged_not_rendered(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with pytest.raises(WxSessionError) as caught:
        qq.parse_code2session(200, body({"errcode": 40125, "errmsg": "invalid secret rid: 77"}))
    assert "rid: 77" not in json.dumps(caught.value.to_dict())
    assert "rid: 77" in caplog.text
    assert "WXSESSION_QQ_APPID" in caplog.text  # the operator is told what to check


def test_wechat_app_grant_reads_scope_and_hides_the_token() -> None:
    answer = {
        "access_token": "user-token",
        "expires_in": 7200,
        "refresh_token": "r",
        "openid": "oA",
        "scope": "snsapi_userinfo",
        "unionid": "uA",
    }
    grant = wechat_app.parse_access_token(200, body(answer))
    assert (grant.openid, grant.unionid, grant.allows_userinfo) == ("oA", "uA", True)
    assert "user-token" not in repr(grant)
    request = wechat_app.userinfo_request(grant)
    assert request.params == {"access_token": "user-token", "openid": "oA"}
    answer["scope"] = "snsapi_base"
    assert not wechat_app.parse_access_token(200, body(answer)).allows_userinfo


@pytest.mark.parametrize(
    ("nickname", "headimgurl", "expected"),
    [
        ("  Ann ", "https://thirdwx.qlogo.cn/a/132", ("Ann", "https://thirdwx.qlogo.cn/a/132")),
        ("A" * 65, "http://thirdwx.qlogo.cn/a/132", (None, None)),
        ("bad\nname", "javascript:alert(1)", (None, None)),
        ("", "https://exa mple.com/x", (None, None)),
        (None, None, (None, None)),
        ("微信用户", "https://x.example/" + "a" * 1100, ("微信用户", None)),
        ("Ann", 'https://thirdwx.qlogo.cn/a"><img/src=x/onerror=alert(1)>', ("Ann", None)),
        ("Ann", "https://169.254.169.254/latest/meta-data/", ("Ann", None)),
        ("Ann", "https://-/132", ("Ann", None)),
    ],
)
def test_userinfo_keeps_only_a_safe_profile(
    nickname: object, headimgurl: object, expected: tuple[str | None, str | None]
) -> None:
    answer = body({"openid": "oA", "nickname": nickname, "headimgurl": headimgurl})
    profile = wechat_app.parse_userinfo(200, answer, "oA")
    assert (profile.nickname, profile.avatar_url) == expected


def test_userinfo_about_someone_else_is_refused() -> None:
    answer = body({"openid": "oB", "nickname": "B"})
    assert code_of(lambda: wechat_app.parse_userinfo(200, answer, "oA")) == ("WECHAT_ERROR", 502)


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
def test_userinfo_token_errors(errcode: int) -> None:
    answer = body({"errcode": errcode, "errmsg": "x"})
    assert code_of(lambda: wechat_app.parse_userinfo(200, answer, "oA")) == ("WECHAT_ERROR", 502)


def test_an_error_table_of_words_maps_and_logs_them(caplog: pytest.LogCaptureFixture) -> None:
    """OAuth 2.0's ``error`` words are codes like any other: mapped, unknown ones quoted."""
    caplog.set_level(logging.INFO)
    wording = PlatformErrors("Example", "ex.login()")
    table = ErrorTable(
        platform="Example",
        settings_hint="WXSESSION_EXAMPLE_KEY",
        codes={"invalid_grant": (wording.code_invalid, logging.INFO)},
        unknown=wording.malformed,
        busy=frozenset({"slow_down"}),
    )
    assert table.error_for("invalid_grant", "bad code").code == "PROVIDER_CODE_INVALID"
    busy = table.error_for("slow_down", "x")
    assert (busy.code, busy.platform_busy, busy.wechat_errcode) == ("PROVIDER_ERROR", True, None)
    assert not table.error_for("slow_down\nforged line", "x").platform_busy
    assert "'slow_down\\nforged line'" in caplog.text  # quoted: no line of its own


@pytest.mark.parametrize(
    "bodies",
    [
        {"body": {"a": 1}, "form": {"b": "2"}},
        {"body": {"a": 1}, "content": b"c"},
        {"form": {"b": "2"}, "content": b"c"},
    ],
)
def test_a_request_has_one_kind_of_body_at_most(bodies: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="not several"):
        PlatformRequest("POST", "/x", **bodies)
