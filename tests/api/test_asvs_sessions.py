"""OWASP ASVS 4.0.3 V3 session requirements, one test per requirement (see docs/security.md).

Each runs against a real server on both backends (SQLite; Redis + PostgreSQL).
"""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
import pytest

from tests.api.raw_store import exists
from tests.support.paths import ROOT
from tests.support.service import Service
from wxsession.core.errors import ConfigurationError
from wxsession.settings import Settings, load_settings

DOCS = ROOT / "docs" / "security.md"


def _login_from(service: Service, user: str, agent: str) -> str:
    response = service.login(user, headers={"User-Agent": agent})
    assert response.status_code == 200, response.text
    token: str = response.json()["session_id"]
    service.clock.advance(1)  # distinct creation times: listing order is oldest first
    return token


def test_v3_2_1_every_login_issues_a_new_token_and_ends_the_presented_one(
    service: Service,
) -> None:
    first = service.session_for("ann")
    relogin = service.post("/v1/auth/wechat/login", first, json={"code": service.wx_code("ann")})
    second = relogin.json()["session_id"]
    assert second != first
    assert service.get("/v1/me", first).status_code == 401
    assert not exists(service, first)
    assert service.get("/v1/me", second).status_code == 200


def test_v3_2_2_tokens_have_256_random_bits_and_never_repeat(service: Service) -> None:
    issued = {service.session_for(f"u{i % 5}") for i in range(25)}
    assert len(issued) == 25
    for token in issued:
        user_id, _, secret = token.partition(".")  # a registered token names its user
        assert re.fullmatch(r"[0-9a-f]{32}", user_id)
        assert service.get("/v1/me", token).json()["id"] == user_id  # nothing new revealed
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", secret)
        assert len(base64.urlsafe_b64decode(secret + "=")) == 32


def test_v3_1_1_tokens_are_not_accepted_from_or_put_in_urls(service: Service) -> None:
    login = service.login("ben", follow_redirects=False)
    token = login.json()["session_id"]
    assert "location" not in login.headers
    via_url = service.http.get("/v1/me", params={"session_id": token, "token": token})
    assert via_url.status_code == 401
    assert via_url.json()["error"]["code"] == "SESSION_MISSING"
    listed = service.get("/v1/sessions", token)
    assert token not in listed.text


def test_v3_3_1_logout_invalidates_session(service: Service) -> None:
    token = service.session_for("cai")
    assert service.post("/v1/auth/logout", token).status_code == 204
    assert not exists(service, token)
    assert service.get("/v1/me", token).status_code == 401
    again = service.post("/v1/auth/logout", token)  # idempotent from the client's view
    assert again.status_code == 401


def test_v3_3_1_log_out_everywhere(service: Service) -> None:
    tokens = [_login_from(service, "dan", f"device-{i}") for i in range(3)]
    assert service.post("/v1/auth/logout-all", tokens[0]).status_code == 204
    for token in tokens:
        assert service.get("/v1/me", token).status_code == 401
        assert not exists(service, token)
    fresh = service.session_for("dan")  # a login after it works as usual
    assert service.get("/v1/me", fresh).status_code == 200


def test_v3_3_2_timeouts_are_the_documented_values() -> None:
    """A5 7.1.1: the configured defaults are the ones docs/security.md justifies."""
    fields = Settings.model_fields
    text = DOCS.read_text()
    for variable, field in [
        ("WXSESSION_SESSION_TTL", "session_ttl"),
        ("WXSESSION_SESSION_MAX_AGE", "session_max_age"),
        ("WXSESSION_MAX_SESSIONS_PER_USER", "max_sessions_per_user"),
        ("WXSESSION_REVOCATION_CACHE_SECONDS", "revocation_cache_seconds"),
    ]:
        default = fields[field].default
        shown = int(default) if float(default).is_integer() else default
        assert f"`{variable}` | `{shown}`" in text, variable


def test_v3_3_4_list_sessions(service: Service) -> None:
    phone = _login_from(service, "eve", "MiniProgram/phone")
    _login_from(service, "eve", "MiniProgram/tablet")
    _login_from(service, "fay", "someone else")
    response = service.get("/v1/sessions", phone)
    assert response.status_code == 200
    sessions = response.json()["sessions"]
    assert [s["user_agent"] for s in sessions] == ["MiniProgram/phone", "MiniProgram/tablet"]
    assert [s["current"] for s in sessions] == [True, False]
    for entry in sessions:
        assert set(entry) == {
            "id",
            "provider",
            "user_agent",
            "ip",
            "created_at",
            "last_seen",
            "current",
        }
        assert entry["provider"] == "wechat"
        assert entry["ip"] == "127.0.0.1"
    assert phone not in response.text


def test_v3_3_4_end_one_session(service: Service) -> None:
    phone = _login_from(service, "gus", "phone")
    tablet = _login_from(service, "gus", "tablet")
    listed = service.get("/v1/sessions", phone).json()["sessions"]
    tablet_id = next(s["id"] for s in listed if not s["current"])
    assert service.http.delete(f"/v1/sessions/{tablet_id}", headers=_auth(phone)).status_code == 204
    assert service.get("/v1/me", tablet).status_code == 401
    assert service.get("/v1/me", phone).status_code == 200
    gone = service.http.delete(f"/v1/sessions/{tablet_id}", headers=_auth(phone))
    assert gone.status_code == 404  # use after free: a deleted session stays not found


def test_v3_3_4_another_users_session_is_not_found(service: Service) -> None:
    alice = service.session_for("hal")
    mallory = service.session_for("ivy")
    alice_id = service.get("/v1/sessions", alice).json()["sessions"][0]["id"]
    response = service.http.delete(f"/v1/sessions/{alice_id}", headers=_auth(mallory))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    assert service.get("/v1/me", alice).status_code == 200
    listed = service.get("/v1/sessions", mallory).json()["sessions"]
    assert [s["id"] for s in listed] != [alice_id] and len(listed) == 1


def test_v3_3_4_end_all_other_sessions(service: Service) -> None:
    tokens = [_login_from(service, "jon", f"d{i}") for i in range(3)]
    response = service.http.delete("/v1/sessions", headers=_auth(tokens[1]))
    assert response.status_code == 200
    assert response.json() == {"ended": 2}
    assert [service.get("/v1/me", t).status_code for t in tokens] == [401, 200, 401]
    assert len(service.get("/v1/sessions", tokens[1]).json()["sessions"]) == 1


def test_session_routes_need_a_session(service: Service) -> None:
    assert service.get("/v1/sessions").status_code == 401
    assert service.http.delete("/v1/sessions").status_code == 401
    assert service.http.delete("/v1/sessions/whatever").status_code == 401
    assert service.post("/v1/auth/logout-all").status_code == 401


def test_concurrent_sessions_are_limited_oldest_first(make_service: Any) -> None:
    """A5 7.1.2 / WSTG-SESS-11: at most N live sessions; the oldest are ended first."""
    service: Service = make_service(max_sessions_per_user=3)
    tokens = []
    for i in range(5):
        tokens.append(_login_from(service, "kay", f"d{i}"))
    assert [service.get("/v1/me", t).status_code for t in tokens] == [401, 401, 200, 200, 200]
    listed = service.get("/v1/sessions", tokens[-1]).json()["sessions"]
    assert [s["user_agent"] for s in listed] == ["d2", "d3", "d4"]


def test_cookie_is_cleared_with_its_security_attributes(make_service: Any) -> None:
    service: Service = make_service(carriers=["cookie"])
    login = service.login("lou")
    token = login.json()["session_id"]
    set_cookie = login.headers["set-cookie"].lower()
    for attribute in ("httponly", "secure", "samesite=lax", "path=/"):
        assert attribute in set_cookie
    assert "domain=" not in set_cookie
    with httpx.Client(base_url=service.url) as browser:
        cookie = {"Cookie": f"__Host-wxsession={token}"}
        logout = browser.post("/v1/auth/logout-all", headers=cookie)
    assert logout.status_code == 204
    cleared = logout.headers["set-cookie"].lower()
    assert cleared.startswith('__host-wxsession="";')
    for attribute in ("httponly", "secure", "samesite=lax", "path=/", "max-age=0"):
        assert attribute in cleared


def test_v3_4_4_host_prefixed_cookie_by_default(make_service: Any) -> None:
    """``__Host-`` cookies need Secure, Path=/ and no Domain: what we send, under that name
    by default (issue 20 point 5: a sibling subdomain cannot set such a cookie beside ours).
    Over plain http (no Secure) browsers refuse the prefix: the default is then ``wxsession``;
    a name set explicitly wins, and a prefixed one without Secure is refused at start-up."""
    assert load_settings(cookie_secure=False).cookie_name == "wxsession"
    assert load_settings(cookie_name="sid").cookie_name == "sid"
    with pytest.raises(ConfigurationError, match="WXSESSION_COOKIE_NAME"):
        load_settings(cookie_name="__Host-sid", cookie_secure=False)
    service: Service = make_service(carriers=["cookie"])
    assert service.settings.cookie_name == "__Host-wxsession"
    login = service.login("mo")
    set_cookie = login.headers["set-cookie"].lower()
    assert set_cookie.startswith("__host-wxsession=")
    assert "secure" in set_cookie and "path=/" in set_cookie and "domain=" not in set_cookie
    cookie = {"Cookie": f"__Host-wxsession={login.json()['session_id']}"}
    assert service.http.get("/v1/me", headers=cookie).status_code == 200


def test_v3_4_1_samesite_none_needs_secure() -> None:
    with pytest.raises(ConfigurationError, match="WXSESSION_COOKIE_SECURE"):
        load_settings(cookie_samesite="none", cookie_secure=False)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
