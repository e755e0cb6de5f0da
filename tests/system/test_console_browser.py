"""The operator console in a real headless Chromium (issue 24, section 4): an operator added
with ``wxsession admin operator add`` signs in with password and TOTP, finds a user created
by a real WeChat login against the emulator, grants them a role (their next introspection
shows it), ends their session (their next API call is 401), and reads the audit trail of all
of it. A screenshot of each page is kept in
``<basetemp>/test-output/<test>/`` (two of them are in docs/images/).

Chromium treats ``http://127.0.0.1`` as a secure context, so the ``Secure``, ``__Host-``
console cookie works there as it would over https.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.support.apt import ensure_installed
from tests.support.browser import Shots
from tests.support.console import PASSWORD, Operator, add_operator
from tests.support.service import Service


@pytest.fixture(scope="module", autouse=True)
def cjk_font() -> None:
    """A Chinese font for the pages in Chinese (before the module's browser starts)."""
    ensure_installed("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "fonts-wqy-zenhei")


@pytest.fixture
def backend(sqlite_url: str) -> dict[str, str]:
    """One backend is enough here: the API tests run the console on both."""
    return {"database_url": sqlite_url, "session_store": "sql"}


def sign_in(page: Page, service: Service, operator: Operator) -> None:
    page.fill("#name", operator.name)
    page.fill("#password", PASSWORD)
    page.fill("#code", operator.code(service))
    page.click("#submit")


def test_an_operator_signs_in_finds_a_user_and_ends_their_session(
    make_service: Any,
    browser_page: Page,
    shots: Shots,
) -> None:
    service: Service = make_service(console=True, roles={"editor": ["orders:read"]})
    operator = add_operator(service, "ops.alice", "admin")
    token = service.session_for("wx-user-1")
    refused = service.post("/v1/auth/wechat/login", json={"code": "0" * 32})
    assert refused.status_code == 401  # a failure for the dashboard's chart
    user_id = service.get("/v1/me", token).json()["id"]
    page = browser_page

    page.goto(f"{service.url}/admin")
    page.wait_for_url(f"{service.url}/admin/sign-in")
    shots.take(page, "sign-in")
    sign_in(page, service, operator)
    page.wait_for_url(f"{service.url}/admin")
    assert page.inner_text("#user-count") == "1"
    assert page.inner_text("#session-count") == "1"
    charts = page.locator("svg.chart")
    assert charts.count() == 3  # per minute and failures (audit trail), results (metrics)
    assert "WECHAT_CODE_INVALID" in charts.nth(1).inner_html()
    assert charts.first.locator("rect").count() >= 1
    shots.take(page, "dashboard")

    page.click("text=Users")
    page.fill("#q", user_id)
    page.click("#search")
    assert page.locator("#users tbody tr").count() == 1
    shots.take(page, "users")
    page.click(f"text={user_id}")
    page.wait_for_url(f"{service.url}/admin/users/{user_id}")
    sessions = page.locator("#sessions tbody tr")
    assert sessions.count() == 1 and "127.0.0.1" in sessions.first.inner_text()
    identities = page.inner_text("#identities")
    openid = service.emulator.issued_for("wx-user-1").openid
    assert "wechat" in identities and openid not in page.content()
    shots.take(page, "user")

    assert service.get("/v1/session/introspect", token).json()["roles"] == []
    page.select_option("#grant-role", "editor")
    page.click("#grant")
    page.wait_for_url(f"{service.url}/admin/users/{user_id}")
    assert "editor" in page.inner_text("#roles")
    introspected = service.get("/v1/session/introspect", token).json()
    assert introspected["roles"] == ["editor"] and introspected["permissions"] == ["orders:read"]
    shots.take(page, "user-role-granted")

    page.locator("#sessions button").first.click()
    page.wait_for_url(f"{service.url}/admin/users/{user_id}")
    assert page.locator("#no-sessions").is_visible()
    assert service.get("/v1/me", token).status_code == 401
    shots.take(page, "user-session-ended")

    page.click("text=Audit log")
    page.fill("#f-user", user_id)
    page.click("#filter")
    trail = page.inner_text("#events")
    assert "session_revoked" in trail and "role_granted" in trail
    assert "console:ops.alice" in trail
    assert "login" in trail and token not in page.content()
    shots.take(page, "audit")
    page.click("text=Operators")
    assert "ops.alice" in page.inner_text("#operators")
    shots.take(page, "operators")

    page.click("#lang")
    page.wait_for_url(f"{service.url}/admin/operators")
    assert "操作员" in page.inner_text("h1")
    shots.take(page, "operators-zh")

    page.click("#sign-out")
    page.wait_for_url(f"{service.url}/admin/sign-in")
    page.goto(f"{service.url}/admin/users")
    assert page.url == f"{service.url}/admin/sign-in"
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert "__Host-wxsession-console" not in cookies
    shots.check()
