"""Browser logins and accounts, against a separate emulator (real mode, both backends): the
unionid joins a person's web identity to their mini-program user under the existing merge
rules; the Official Account's ``snsapi_base`` scope gives no unionid (WeChat's does not)
and so a user of its own; explicit registration leaves a pending session."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.support.service import Service
from tests.support.web_login import SESSION_COOKIE, STATE_COOKIE, cookie_header, cookie_value

PUBLIC = "https://login.example.com"


def _web_settings(service_emulator: str, **overrides: Any) -> dict[str, Any]:
    return {
        "carriers": ["header", "cookie"],
        "public_url": PUBLIC,
        "wechat_oa_appid": "wxoa1234567890abcd",
        "wechat_oa_secret": "oa-secret-0123456789abcdef",
        "wechat_oa_api_base": service_emulator + "/wechat_oa",
        "wechat_oa_authorize_base": service_emulator + "/wechat_oa",
        "wechat_oa_scope": "snsapi_userinfo",
        **overrides,
    }


def _web_login(service: Service, user: str) -> httpx.Response:
    """The whole flow over HTTP; the platform sends the browser to our public URL, which in
    this test is the service's own address."""
    authorize = service.http.get("/v1/auth/wechat_oa/authorize", params={"return_to": "/v1/me"})
    assert authorize.status_code == 302, authorize.text
    location = authorize.headers["location"].split("#", 1)[0]
    assert location.startswith(str(service.settings.wechat_oa_authorize_base))
    assert location.split("?")[0].endswith("/wechat_oa/connect/oauth2/authorize")
    page = httpx.get(httpx.URL(location).copy_merge_params({"user": user}))
    back = urlsplit(page.headers["location"])
    assert f"{back.scheme}://{back.netloc}" == PUBLIC
    state = cookie_value(authorize, STATE_COOKIE)
    return service.http.get(
        f"{back.path}?{back.query}", headers={"Cookie": cookie_header({STATE_COOKIE: state})}
    )


def _me(service: Service, response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 302, response.text
    cookie = cookie_header({SESSION_COOKIE: cookie_value(response, SESSION_COOKIE)})
    me = service.http.get("/v1/me", headers={"Cookie": cookie})
    assert me.status_code == 200, me.text
    found: dict[str, Any] = me.json()
    return found


def _start(make_service: Any, **overrides: Any) -> Service:
    """A service whose browser login is played by another service's emulator (unionids
    derive from the person alone, so both emulators give a person the same one)."""
    platform: Service = make_service(unionid=True)
    web = _web_settings(platform.emulator_url, **overrides)
    started: Service = make_service(unionid=True, **web)
    return started


def test_a_web_identity_joins_the_mini_program_user_by_unionid(make_service: Any) -> None:
    service = _start(make_service)
    mini_user = service.login("carol").json()["user"]["id"]
    assert _me(service, _web_login(service, "carol"))["id"] == mini_user
    assert _me(service, _web_login(service, "dave"))["id"] != mini_user


def test_snsapi_base_gives_no_unionid_so_no_join(make_service: Any) -> None:
    service = _start(make_service, wechat_oa_scope="snsapi_base")
    mini_user = service.login("erin").json()["user"]["id"]
    web_user = _me(service, _web_login(service, "erin"))
    assert web_user["id"] != mini_user
    assert web_user["nickname"] is None  # snsapi_base reads no userinfo


def test_explicit_registration_leaves_a_pending_cookie_session(make_service: Any) -> None:
    service = _start(make_service, registration="explicit")
    response = _web_login(service, "frank")
    assert response.status_code == 302
    cookie = cookie_header({SESSION_COOKIE: cookie_value(response, SESSION_COOKIE)})
    me = service.http.get("/v1/me", headers={"Cookie": cookie})
    assert me.status_code == 403
    assert me.json()["error"]["code"] == "REGISTRATION_REQUIRED"
    register = service.http.post(
        "/v1/auth/register",
        json={"nickname": "Frank"},
        headers={"Cookie": cookie, "Origin": service.url, "Sec-Fetch-Site": "same-origin"},
    )
    assert register.status_code == 201, register.text
    forged = service.http.post(
        "/v1/auth/register",
        json={"nickname": "Mallory"},
        headers={
            "Cookie": cookie,
            "Origin": "https://evil.example",
            "Sec-Fetch-Site": "cross-site",
        },
    )
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "CROSS_SITE_REQUEST"
