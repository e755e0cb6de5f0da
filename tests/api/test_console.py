"""The operator console over HTTP (issue 24; docs/console.md, docs/security.md): off unless
enabled, signing in with password and a one-time TOTP code, its cookie session, the forms'
anti-forgery tokens, the headers of every page, and each role's limits enforced on the server.
Operators come from the real ``wxsession admin operator add``."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import pytest

from tests.support.console import (
    CONSOLE_COOKIE,
    PASSWORD,
    ConsoleClient,
    Operator,
    add_operator,
)
from tests.support.service import Service, bearer


@pytest.fixture
def console(make_service: Any) -> Service:
    started: Service = make_service(console=True, roles={"editor": ["orders:read"]})
    return started


def signed_in(service: Service, operator: Operator) -> ConsoleClient:
    client = ConsoleClient(service)
    answer = client.sign_in(operator)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin", answer.text
    return client


def user_with_session(service: Service, name: str) -> tuple[str, str]:
    token = service.session_for(name)
    return service.get("/v1/me", token).json()["id"], token


def test_the_console_is_off_unless_enabled(service: Service) -> None:
    assert service.http.get("/admin").status_code == 404
    assert service.http.get("/admin/sign-in").status_code == 404


def test_sign_in_sets_a_locked_down_cookie_stored_only_hashed(console: Service) -> None:
    operator = add_operator(console, "ops", "viewer")
    client = ConsoleClient(console)
    assert client.get("/admin").headers["location"] == "/admin/sign-in"
    answer = client.sign_in(operator)
    line = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith(CONSOLE_COOKIE + "=")
    )
    attributes = {part.strip().lower() for part in line.split(";")[1:]}
    assert {"secure", "httponly", "samesite=strict", "path=/"} <= attributes
    assert not any(a.startswith(("max-age", "expires", "domain")) for a in attributes)
    token = client.cookies[CONSOLE_COOKIE]
    stored = console.sql_scalar("SELECT token_hash FROM operator_sessions")
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert client.get("/admin").status_code == 200


def test_every_page_carries_a_strict_policy_and_no_third_party_asset(console: Service) -> None:
    client = signed_in(console, add_operator(console, "ops", "viewer"))
    for path in ("/admin", "/admin/users", "/admin/audit", "/admin/operators", "/admin/sign-in"):
        page = client.get(path)
        assert page.status_code == 200, path
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy
        assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert "<script" not in page.text and "http://" not in page.text.replace(console.url, "")
    assert client.get("/admin/console.css").headers["content-type"].startswith("text/css")


@pytest.mark.parametrize("wrong", ["password", "code", "name"])
def test_a_wrong_factor_is_one_generic_refusal(console: Service, wrong: str) -> None:
    operator = add_operator(console, "ops", "admin")
    client = ConsoleClient(console)
    client.get("/admin/sign-in")
    good = {"name": operator.name, "password": PASSWORD, "code": operator.code(console)}
    bad = {"password": PASSWORD + "x", "code": operator.code(console, 5), "name": "nobody"}
    answer = client.post("/admin/sign-in", {**good, wrong: bad[wrong]})
    assert answer.status_code == 401 and "INVALID_CREDENTIALS" in answer.text
    assert CONSOLE_COOKIE not in client.cookies


def test_a_totp_code_works_once(console: Service, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    operator = add_operator(console, "ops", "viewer")
    code = operator.code(console)
    assert signed_in(console, operator).cookies[CONSOLE_COOKIE]
    again = ConsoleClient(console).sign_in(operator, code)
    assert again.status_code == 401 and "INVALID_CREDENTIALS" in again.text
    failed = [r for r in caplog.records if r.__dict__.get("event") == "operator_sign_in_failed"]
    reasons = [r.__dict__["audit"]["reason"] for r in failed]
    assert reasons == ["code_reused"]
    console.clock.advance(30)  # the next step's code is a new one
    assert ConsoleClient(console).sign_in(operator).status_code == 303


def test_sign_in_failures_are_throttled(console: Service) -> None:
    operator = add_operator(console, "ops", "viewer")
    client = ConsoleClient(console)
    client.get("/admin/sign-in")
    statuses = []
    for _ in range(11):
        form = {"name": operator.name, "password": "wrong-password", "code": "000000"}
        statuses.append(client.post("/admin/sign-in", form).status_code)
    assert statuses == [401] * 10 + [429]
    right = ConsoleClient(console).sign_in(operator)  # the right factors wait their turn too
    assert right.status_code == 429


def test_the_session_ends_when_idle_and_on_sign_out(console: Service) -> None:
    operator = add_operator(console, "ops", "viewer")
    client = signed_in(console, operator)
    console.clock.advance(console.settings.console_idle_seconds - 5)
    assert client.get("/admin").status_code == 200  # touched: idle counts again from here
    console.clock.advance(console.settings.console_idle_seconds + 1)
    assert client.get("/admin").headers["location"] == "/admin/sign-in"

    console.clock.advance(30)
    client = signed_in(console, operator)
    client.get("/admin")
    assert client.post("/admin/sign-out").status_code == 303
    assert console.sql_scalar("SELECT count(*) FROM operator_sessions") == 0


def test_forms_need_their_token_and_our_origin(console: Service) -> None:
    client = signed_in(console, add_operator(console, "ops", "admin"))
    user_id, token = user_with_session(console, "target")
    client.get(f"/admin/users/{user_id}")
    path = f"/admin/users/{user_id}/sessions/end"
    no_token = client.post(path, {"csrf": ""})
    assert no_token.status_code == 403 and "CONSOLE_FORM_REFUSED" in no_token.text
    other_site = client.post(path, Origin="https://evil.example")
    assert other_site.status_code == 403 and "CROSS_SITE_REQUEST" in other_site.text
    assert console.get("/v1/me", token).status_code == 200
    assert client.post(path).status_code == 303
    assert console.get("/v1/me", token).status_code == 401


def test_each_role_may_do_only_its_own(console: Service) -> None:
    viewer = signed_in(console, add_operator(console, "viewer", "viewer"))
    support = signed_in(console, add_operator(console, "support", "support"))
    admin = signed_in(console, add_operator(console, "admin", "admin"))
    user_id, token = user_with_session(console, "target")
    for client in (viewer, support, admin):
        client.get(f"/admin/users/{user_id}")

    denied = viewer.post(f"/admin/users/{user_id}/sessions/end")
    assert denied.status_code == 403 and "OPERATOR_FORBIDDEN" in denied.text
    assert viewer.post(f"/admin/users/{user_id}/disable").status_code == 403
    assert viewer.post("/admin/operators", {"name": "x1", "password": PASSWORD}).status_code == 403
    assert console.get("/v1/me", token).status_code == 200

    assert support.post(f"/admin/users/{user_id}/delete").status_code == 403
    assert support.post("/admin/operators/viewer/remove").status_code == 403
    assert support.post(f"/admin/users/{user_id}/disable").status_code == 303
    assert console.get("/v1/me", token).status_code == 401
    assert support.post(f"/admin/users/{user_id}/enable").status_code == 303

    for client in (viewer, support):
        refused = client.post(f"/admin/users/{user_id}/roles/grant", {"role": "editor"})
        assert refused.status_code == 403 and "OPERATOR_FORBIDDEN" in refused.text
    assert admin.post(f"/admin/users/{user_id}/roles/grant", {"role": "editor"}).status_code == 303
    assert console.sql_scalar("SELECT count(*) FROM user_roles") == 1
    unknown = admin.post(f"/admin/users/{user_id}/roles/grant", {"role": "nope"})
    assert unknown.status_code == 404 and "UNKNOWN_ROLE" in unknown.text
    assert admin.post(f"/admin/users/{user_id}/roles/revoke", {"role": "editor"}).status_code == 303
    assert console.sql_scalar("SELECT count(*) FROM user_roles") == 0

    assert admin.post(f"/admin/users/{user_id}/delete").status_code == 303
    assert admin.get(f"/admin/users/{user_id}").status_code == 404
    added = admin.post(
        "/admin/operators", {"name": "new.op", "password": PASSWORD, "role": "support"}
    )
    assert added.status_code == 200 and "otpauth://totp/" in added.text
    assert "otpauth://" not in admin.get("/admin/operators").text  # shown once


def test_console_acts_are_audited_with_the_operator_as_actor(
    console: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    client = signed_in(console, add_operator(console, "ops", "support"))
    user_id, _ = user_with_session(console, "target")
    client.get(f"/admin/users/{user_id}")
    client.post(f"/admin/users/{user_id}/sessions/end")
    client.post(f"/admin/users/{user_id}/disable")
    client.post(f"/admin/users/{user_id}/delete")  # refused: support may not delete
    admin = signed_in(console, add_operator(console, "boss", "admin"))
    admin.get(f"/admin/users/{user_id}")
    admin.post(f"/admin/users/{user_id}/roles/grant", {"role": "editor"})
    audited = [r for r in caplog.records if r.name == "wxsession.audit"]
    lines = {r.__dict__["event"]: r.__dict__["audit"] for r in audited}
    signed = [
        r.__dict__["audit"]["actor"] for r in audited if r.__dict__["event"] == "operator_signed_in"
    ]
    assert signed == ["console:ops", "console:boss"]
    assert lines["sessions_revoked"]["actor"] == "console:ops"
    assert lines["user_disabled"] == {"user": user_id, "actor": "console:ops", "ended": 0}
    assert lines["operator_denied"] == {"actor": "console:ops", "permission": "delete_users"}
    assert "user_deleted" not in lines
    assert lines["role_granted"]["actor"] == "console:boss"
    trail = admin.get("/admin/audit", params={"user": user_id}).text
    assert "role_granted" in trail and "console:boss" in trail and "console:ops" in trail


def test_users_are_found_by_id_username_phone_and_nickname_and_no_openid_shows(
    console: Service,
) -> None:
    client = signed_in(console, add_operator(console, "ops", "viewer"))
    wechat_user, token = user_with_session(console, "findme")
    profile = console.http.put(
        "/v1/me/profile", json={"nickname": "Zhang Wei"}, headers=bearer(token)
    )
    assert profile.status_code == 200
    named = console.post(
        "/v1/auth/password/register", json={"username": "Carol_X", "password": PASSWORD}
    )
    carol = named.json()["user"]["id"]
    phone_user, _ = user_with_session(console, "phoned")
    for user, kind, address in (
        (carol, "email", "carol@example.com"),
        (phone_user, "phone", "+8613800138000"),
    ):
        console.sql_execute(  # proven addresses, as accounts/addresses.py stores them
            "INSERT INTO identities (user_id, provider, app_id, subject, created_at) VALUES "  # noqa: S608
            f"('{user}', '{kind}', 'local', '{address}', CURRENT_TIMESTAMP)"
        )

    def found(term: str) -> set[str]:
        page = client.get("/admin/users", params={"q": term})
        return {u for u in (wechat_user, carol, phone_user) if u in page.text}

    assert found("carol@example") == {carol}
    assert found(wechat_user) == {wechat_user}
    assert found("zhang") == {wechat_user}
    assert found("carol_") == {carol}  # "_" is a letter here, not a wildcard
    assert found("138001") == {phone_user}
    assert found("") == {wechat_user, carol, phone_user}
    assert found("nobody-at-all") == set()
    openid = console.emulator.issued_for("findme").openid
    page = client.get(f"/admin/users/{wechat_user}")
    assert page.status_code == 200 and "wechat" in page.text and openid not in page.text
    carol_page = client.get(f"/admin/users/{carol}").text
    assert "carol_x" in carol_page and "carol@example.com" in carol_page  # shown to operators


def test_users_are_paged(console: Service) -> None:
    client = signed_in(console, add_operator(console, "ops", "viewer"))
    for n in range(21):
        console.session_for(f"paged-{n}")
    first = client.get("/admin/users")
    assert first.text.count('href="/admin/users/') == 20 and 'id="next"' in first.text
    second = client.get("/admin/users", params={"page": 2})
    assert second.text.count('href="/admin/users/') == 1 and 'id="next"' not in second.text


def test_the_language_follows_the_browser_until_switched(console: Service) -> None:
    client = ConsoleClient(console)
    chinese = client.get("/admin/sign-in", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-CN">' in chinese.text and "登录" in chinese.text
    english = client.get("/admin/sign-in", headers={"Accept-Language": "fr, en;q=0.5"})
    assert '<html lang="en">' in english.text and "Sign in" in english.text
    switched = client.get("/admin/lang/zh", params={"next": "/admin/sign-in"})
    assert switched.status_code == 303 and switched.headers["location"] == "/admin/sign-in"
    assert "登录" in client.get("/admin/sign-in", headers={"Accept-Language": "en"}).text
    denied = ConsoleClient(console).get("/admin/users/x", headers={"Accept-Language": "zh"})
    assert denied.headers["location"] == "/admin/sign-in"
    client.get("/admin/sign-in")
    refused = client.post("/admin/sign-in", {"csrf": "forged"})
    assert refused.status_code == 403 and "此表单已失效" in refused.text  # errors in Chinese too
    for elsewhere in ("https://evil.example/", "//evil.example/admin", "/v1/me"):
        away = client.get("/admin/lang/en", params={"next": elsewhere})
        assert away.headers["location"] == "/admin"  # never an open redirect


def test_the_audit_log_filters_by_event_user_and_time(console: Service) -> None:
    client = signed_in(console, add_operator(console, "ops", "support"))
    first, _ = user_with_session(console, "first")
    second, _ = user_with_session(console, "second")
    client.get(f"/admin/users/{first}")
    client.post(f"/admin/users/{first}/disable")

    def rows(**query: str) -> str:
        page = client.get("/admin/audit", params=query)
        assert page.status_code == 200, page.text
        return page.text.split("<tbody>", 1)[-1]

    assert "user_disabled" in rows(event="user_disabled") and second not in rows(
        event="user_disabled"
    )
    mine = rows(user=second)
    assert "login" in mine and first not in mine and "user_disabled" not in mine
    assert "<td>" not in rows(until="2000-01-01T00:00")  # nothing that old
    assert "user_disabled" in rows(since="2000-01-01T00:00", event="user_disabled")
    assert client.get("/admin/audit", params={"since": "yesterday"}).status_code == 422
