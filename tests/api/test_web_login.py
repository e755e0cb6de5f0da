"""Browser logins over plain HTTP (httpx) against a real dev-mode service: the state is
single-use, short-lived and bound to the browser that started the flow; return_to never
leaves the service and its configured origins; WeChat's refusals become our errors, never a
500 and never a session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.web_login import (
    SESSION_COOKIE,
    STATE_COOKIE,
    WEB_LOGINS,
    WebService,
    cookie_value,
    dev_web_service,
    set_cookies,
    start,
    through_platform,
)

APP_ORIGIN = "https://app.example.com"


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebService]:
    folder = tmp_path_factory.mktemp("web")
    with dev_web_service(
        folder, return_to_origins=APP_ORIGIN, platform_backoff_seconds=0
    ) as service:
        yield service


def _error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def _no_session(response: httpx.Response) -> None:
    assert SESSION_COOKIE not in set_cookies(response)


@pytest.mark.parametrize("provider", WEB_LOGINS)
def test_the_callback_signs_in_with_a_locked_down_cookie(web: WebService, provider: str) -> None:
    back = through_platform(web, provider, user=f"http-{provider}")
    response = web.get(back.path, {STATE_COOKIE: back.state_cookie})
    assert response.status_code == 302, response.text
    assert response.headers["location"] == "/v1/me"
    assert response.headers["cache-control"] == "no-store"
    line = set_cookies(response)[SESSION_COOKIE].lower()
    assert all(flag in line for flag in ("secure", "httponly", "samesite=lax", "path=/"))
    assert "domain=" not in line
    assert "max-age=0" in set_cookies(response)[STATE_COOKIE].lower()  # the state is cleared
    me = web.get("/v1/me", {SESSION_COOKIE: cookie_value(response, SESSION_COOKIE)})
    assert me.status_code == 200
    assert me.json()["nickname"] == f"http-{provider}"


def test_a_web_login_ends_the_session_the_browser_held(web: WebService) -> None:
    """No fixation: signing in again in the same browser issues a new session and ends the
    one its cookie carried (as every login does)."""
    first = through_platform(web, "wechat_web", user="gus")
    old = cookie_value(web.get(first.path, {STATE_COOKIE: first.state_cookie}), SESSION_COOKIE)
    again = through_platform(web, "wechat_web", user="gus")
    response = web.get(again.path, {STATE_COOKIE: again.state_cookie, SESSION_COOKIE: old})
    new = cookie_value(response, SESSION_COOKIE)
    assert new != old
    assert web.get("/v1/me", {SESSION_COOKIE: new}).status_code == 200
    assert web.get("/v1/me", {SESSION_COOKIE: old}).status_code == 401


def test_the_authorize_redirect_names_our_callback_and_a_fresh_state(web: WebService) -> None:
    first, cookie_1 = start(web, "wechat_oa")
    second, cookie_2 = start(web, "wechat_oa")
    location = first.headers["location"]
    assert location.startswith("/wechat_oa/connect/oauth2/authorize?appid=")
    assert location.endswith("#wechat_redirect")
    redirect_uri = httpx.URL(location.split("#")[0]).params["redirect_uri"]
    assert redirect_uri == f"{web.url}/v1/auth/wechat_oa/callback"
    states = {
        httpx.URL(r.headers["location"].split("#")[0]).params["state"] for r in (first, second)
    }
    assert len(states) == 2 and all(len(state) >= 43 for state in states)
    assert cookie_1 != cookie_2
    assert all(state not in cookie_1 + cookie_2 for state in states)  # only its hash is sealed
    cookie = set_cookies(first)[STATE_COOKIE].lower()
    assert all(flag in cookie for flag in ("secure", "httponly", "samesite=lax", "path=/"))


def test_a_replayed_callback_is_refused(web: WebService) -> None:
    back = through_platform(web, "wechat_web")
    assert web.get(back.path, {STATE_COOKIE: back.state_cookie}).status_code == 302
    replay = web.get(back.path, {STATE_COOKIE: back.state_cookie})
    assert _error(replay) == (400, "LOGIN_STATE_USED")
    assert replay.headers["cache-control"] == "no-store"
    _no_session(replay)


def test_a_forged_state_is_refused(web: WebService) -> None:
    back = through_platform(web, "wechat_oa")
    forged = web.get(back.with_query(state="x" * 43), {STATE_COOKIE: back.state_cookie})
    assert _error(forged) == (400, "LOGIN_STATE_INVALID")
    _no_session(forged)
    # The real state still works: a forgery spends nothing.
    assert web.get(back.path, {STATE_COOKIE: back.state_cookie}).status_code == 302


def test_a_callback_without_the_browsers_cookie_is_refused(web: WebService) -> None:
    """An attacker's own callback link (their code and state) opened in a victim's browser:
    the victim holds no matching state cookie (login CSRF)."""
    attacker = through_platform(web, "wechat_oa", user="mallory")
    victim = through_platform(web, "wechat_oa", user="victim")
    for cookies in ({}, {STATE_COOKIE: victim.state_cookie}):
        response = web.get(attacker.path, cookies)
        assert _error(response) == (400, "LOGIN_STATE_INVALID")
        _no_session(response)


def test_a_state_cookie_is_bound_to_its_platform_and_unforgeable(web: WebService) -> None:
    back = through_platform(web, "wechat_oa")
    other = through_platform(web, "wechat_web")
    kid, _, blob = back.state_cookie.strip('"').partition(":")
    tampered = f"{kid}:{blob[:-4]}AAAA"
    for cookie in (other.state_cookie, tampered, "garbage", "dev:" + "A" * 5000):
        assert _error(web.get(back.path, {STATE_COOKIE: cookie})) == (400, "LOGIN_STATE_INVALID")


def test_an_expired_state_is_refused(web: WebService) -> None:
    back = through_platform(web, "wechat_web")
    web.clock.advance(601)  # WXSESSION_WEB_LOGIN_SECONDS, 600 by default
    try:
        response = web.get(back.path, {STATE_COOKIE: back.state_cookie})
    finally:
        web.clock.advance(-601)
    assert _error(response) == (400, "LOGIN_STATE_INVALID")


@pytest.mark.parametrize(
    "return_to",
    [
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/",
        "http://app.example.com/",  # the configured origin is https
        "https://app.example.com.evil.example/",
        "https://app.example.com@evil.example/",
        "https://user@app.example.com/",
        "javascript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "evil.example",
        " /v1/me",
        "/v1/me\r\nSet-Cookie: x=1",
        "/\t/evil.example",
        "https:evil.example",
        "",
    ],
)
def test_a_hostile_return_to_is_refused(web: WebService, return_to: str) -> None:
    response = web.get("/v1/auth/wechat_oa/authorize", params={"return_to": return_to})
    assert response.status_code in (400, 422), response.text
    assert response.json()["error"]["code"] in ("RETURN_TO_REFUSED", "VALIDATION_ERROR")
    assert "location" not in response.headers
    assert STATE_COOKIE not in set_cookies(response)


def test_a_configured_origin_is_where_the_browser_lands(web: WebService) -> None:
    target = f"{APP_ORIGIN}/welcome?from=wechat#top"
    back = through_platform(web, "wechat_web", return_to=target)
    assert web.get(back.path, {STATE_COOKIE: back.state_cookie}).headers["location"] == target


def test_a_snapshot_visitor_is_refused(web: WebService) -> None:
    back = through_platform(web, "wechat_oa", user="snap", snapshot="1")
    response = web.get(back.path, {STATE_COOKIE: back.state_cookie})
    assert _error(response) == (403, "WECHAT_SNAPSHOT_USER")
    _no_session(response)


@pytest.mark.parametrize(
    ("errcode", "expected"),
    [
        (40029, (401, "WECHAT_CODE_INVALID")),
        (40163, (401, "WECHAT_CODE_USED")),
        (40226, (403, "WECHAT_USER_BLOCKED")),
        (-1, (503, "WECHAT_UNAVAILABLE")),
        (40125, (502, "WECHAT_MISCONFIGURED")),
    ],
)
def test_platform_refusals_become_our_errors(
    web: WebService, errcode: int, expected: tuple[int, str]
) -> None:
    back = through_platform(web, "wechat_oa")
    path = "/wechat_oa/sns/oauth2/access_token"
    fault = httpx.post(f"{web.url}/_emulator/faults", json={"errcode": errcode, "path": path})
    assert fault.status_code == 200
    try:
        response = web.get(back.path, {STATE_COOKIE: back.state_cookie})
    finally:
        httpx.delete(f"{web.url}/_emulator/faults")
    assert _error(response) == expected
    _no_session(response)


def test_the_emulator_refuses_an_invalid_and_a_used_code(web: WebService) -> None:
    """The emulator's own answers (no fault): a code it never issued, then one used twice."""
    back = through_platform(web, "wechat_web")
    bogus = web.get(back.with_query(code="not-a-real-code"), {STATE_COOKIE: back.state_cookie})
    assert _error(bogus) == (401, "WECHAT_CODE_INVALID")
    first = through_platform(web, "wechat_web")
    code = httpx.URL(first.path).params["code"]
    assert web.get(first.path, {STATE_COOKIE: first.state_cookie}).status_code == 302
    second = through_platform(web, "wechat_web")
    used = web.get(second.with_query(code=code), {STATE_COOKIE: second.state_cookie})
    assert _error(used) == (401, "WECHAT_CODE_USED")


def test_a_denied_login_is_a_clear_error(web: WebService) -> None:
    back = through_platform(web, "wechat_oa")
    response = web.get(back.with_query(code=None), {STATE_COOKIE: back.state_cookie})
    assert _error(response) == (400, "INVALID_REQUEST")
    _no_session(response)


def test_unknown_and_code_only_routes(web: WebService) -> None:
    assert _error(web.get("/v1/auth/qq/authorize", params={"return_to": "/"})) == (
        404,
        "NOT_FOUND",
    )
    posted = httpx.post(f"{web.url}/v1/auth/wechat_oa/login", json={"code": "abc"})
    assert _error(posted) == (404, "NOT_FOUND")  # a browser login's code needs its state


def test_without_the_cookie_carrier_there_is_no_browser_login(tmp_path: Path) -> None:
    with dev_web_service(tmp_path, carriers=["header"]) as service:
        response = service.get("/v1/auth/wechat_oa/authorize", params={"return_to": "/"})
    assert _error(response) == (404, "NOT_FOUND")
