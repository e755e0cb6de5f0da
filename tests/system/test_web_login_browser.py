"""WeChat's browser logins end to end in a real headless Chromium against a real dev-mode
service: open authorize, land on the emulator's page, fill the user field, click Allow, land
signed in on return_to, and read ``GET /v1/me`` with the page's own cookie. A screenshot of
each step is kept in ``<basetemp>/test-output/<test>/``.

Over ``http://127.0.0.1`` the ``Secure`` session cookie still works: Chromium treats a
loopback origin as a secure context, so it stores and sends ``Secure`` (and ``__Host-``)
cookies there as it would over https.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.support.browser import Shots
from tests.support.web_login import SESSION_COOKIE, STATE_COOKIE, WEB_LOGINS, dev_web_service


@pytest.mark.parametrize("provider", WEB_LOGINS)
def test_a_browser_signs_in_through_the_platform_page(
    provider: str, browser_page: Page, shots: Shots, tmp_path: Path
) -> None:
    page = browser_page
    with dev_web_service(tmp_path) as service:
        page.goto(f"{service.url}/v1/auth/{provider}/authorize?return_to=/v1/me")
        assert "/connect/" in page.url  # the emulator's authorize page, not ours
        assert page.locator("#allow").is_visible()
        shots.take(page, "authorize-page")

        page.fill("#user", f"web-{provider}")
        shots.take(page, "user-filled")
        page.click("#allow")
        page.wait_for_url(f"{service.url}/v1/me")
        shots.take(page, "signed-in-on-return-to")

        status, body = page.evaluate(
            "async () => { const r = await fetch('/v1/me', {credentials: 'include'});"
            " return [r.status, await r.json()]; }"
        )
        cookies = {c["name"]: c for c in page.context.cookies()}

    assert status == 200, body
    assert body["nickname"] == f"web-{provider}"
    session: Any = cookies[SESSION_COOKIE]
    assert session["secure"] and session["httpOnly"] and session["sameSite"] == "Lax"
    assert STATE_COOKIE not in cookies  # spent and cleared by the callback
    assert [path.name for path in shots.taken] == [
        "01-authorize-page.png",
        "02-user-filled.png",
        "03-signed-in-on-return-to.png",
    ]
    shots.check()
    assert all(path.parent == shots.folder and path.stat().st_size > 0 for path in shots.taken)


def test_a_denied_login_signs_nobody_in(browser_page: Page, shots: Shots, tmp_path: Path) -> None:
    page = browser_page
    with dev_web_service(tmp_path) as service:
        page.goto(f"{service.url}/v1/auth/wechat_web/authorize?return_to=/v1/me")
        page.click("#deny")
        page.wait_for_url(f"{service.url}/v1/auth/wechat_web/callback*")
        shots.take(page, "denied")
        text = page.inner_text("body")
        status = page.evaluate("async () => (await fetch('/v1/me')).status")
    assert "INVALID_REQUEST" in text
    assert status == 401
    shots.check()
