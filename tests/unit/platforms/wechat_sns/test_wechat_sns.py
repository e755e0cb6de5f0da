"""WeChat's sns OAuth shared by the App and the web logins: the wire (snapshot visitors, the
authorize URL, scopes) and the emulator's authorize page (refusals, escaping, consent)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.emulator import running_emulator
from wxsession.core.platform_errors import WeChatCodeInvalid, WeChatSnapshotUser
from wxsession.emulator import Emulator
from wxsession.platforms.wechat_sns import wire

ERRORS = wire.sns_errors("Test", "WXSESSION_TEST_APPID", "the test page")
OA = ("wxoa0123456789abcd", "oa-secret")
PAGE = "/wechat_oa/connect/oauth2/authorize"


def body(data: object) -> bytes:
    return json.dumps(data).encode()


def test_a_snapshot_visitor_is_refused() -> None:
    answer = {"access_token": "t", "openid": "o", "scope": "snsapi_userinfo", "is_snapshotuser": 1}
    with pytest.raises(WeChatSnapshotUser):
        wire.parse_access_token(200, body(answer), ERRORS)
    grant = wire.parse_access_token(200, body({**answer, "is_snapshotuser": 0}), ERRORS)
    assert grant.openid == "o"


@pytest.mark.parametrize(
    ("scope", "reads"),
    [("snsapi_base", False), ("snsapi_userinfo", True), ("snsapi_login", True)],
)
def test_which_scopes_read_userinfo(scope: str, reads: bool) -> None:
    grant = wire.parse_access_token(
        200, body({"access_token": "t", "openid": "o", "scope": scope}), ERRORS
    )
    assert grant.allows_userinfo is reads


def test_messages_name_where_a_new_code_comes_from() -> None:
    with pytest.raises(WeChatCodeInvalid, match="the test page"):
        wire.parse_access_token(200, body({"errcode": 40029, "errmsg": "invalid code"}), ERRORS)


def test_the_authorize_url_is_wechats() -> None:
    authorizer = wire.SnsAuthorizer(
        "https://open.weixin.qq.com", "/connect/qrconnect", "wxA", "snsapi_login"
    )
    url = authorizer.authorize_url("https://login.example.com/v1/auth/x/callback?a=1&b=2", "s t")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "open.weixin.qq.com",
        "/connect/qrconnect",
    )
    assert parts.fragment == "wechat_redirect"
    assert list(parse_qs(parts.query)) == [
        "appid",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
    ]
    query = parse_qs(parts.query)
    assert query["redirect_uri"] == ["https://login.example.com/v1/auth/x/callback?a=1&b=2"]
    assert query["state"] == ["s t"] and query["response_type"] == ["code"]


@pytest.fixture(scope="module")
def oa() -> Iterator[tuple[str, Emulator]]:
    with running_emulator({}, unionid=True, platform_apps={"wechat_oa": dict([OA])}) as pair:
        yield pair


def _page(url: str, **params: str) -> httpx.Response:
    query = {
        "appid": OA[0],
        "redirect_uri": "https://login.example.com/cb?x=1",
        "response_type": "code",
        "scope": "snsapi_base",
        "state": "st",
        **params,
    }
    return httpx.get(url + PAGE, params={k: v for k, v in query.items() if v != "-"})


@pytest.mark.parametrize(
    "changes",
    [
        {"appid": "wxunknown"},
        {"appid": "-"},
        {"scope": "snsapi_login"},
        {"response_type": "token"},
        {"redirect_uri": "javascript:alert(1)"},
        {"redirect_uri": "/relative"},
    ],
)
def test_the_page_refuses_what_wechat_refuses(
    oa: tuple[str, Emulator], changes: dict[str, str]
) -> None:
    response = _page(oa[0], **changes)
    assert response.status_code == 400
    assert "cannot be opened" in response.text


def test_the_page_escapes_what_it_shows(oa: tuple[str, Emulator]) -> None:
    hostile = '"><script>alert(1)</script>'
    page = _page(oa[0], state=hostile)
    assert page.status_code == 200
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert 'id="user"' in page.text and 'id="allow"' in page.text


def test_consent_redirects_with_a_code_and_the_state(oa: tuple[str, Emulator]) -> None:
    approved = _page(oa[0], user="alice")
    assert approved.status_code == 302
    back = urlsplit(approved.headers["location"])
    query = parse_qs(back.query)
    assert back.netloc == "login.example.com" and query["x"] == ["1"] and query["state"] == ["st"]
    grant = httpx.get(
        oa[0] + "/wechat_oa/sns/oauth2/access_token",
        params={
            "appid": OA[0],
            "secret": OA[1],
            "code": query["code"][0],
            "grant_type": "authorization_code",
        },
    ).json()
    assert grant["scope"] == "snsapi_base"
    assert "unionid" not in grant  # WeChat gives none with snsapi_base
    profile = httpx.get(
        oa[0] + "/wechat_oa/sns/userinfo",
        params={"access_token": grant["access_token"], "openid": grant["openid"]},
    ).json()
    assert profile["errcode"] == 48001  # snsapi_base may not read userinfo
    denied = _page(oa[0], deny="1")
    assert parse_qs(urlsplit(denied.headers["location"]).query) == {"x": ["1"], "state": ["st"]}
