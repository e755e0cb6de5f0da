"""The web SDK (clients/web, issue 26): its node tests, and the ES module itself in a real
headless Chromium, on a page of another origin, against a real server with CORS on and one
session per user: bearer mode (login, GET /v1/me, then SESSION_REPLACED by a login
elsewhere: onReplaced, no silent login) and cookie mode (the server's cookie, no token in
the page). Screenshots under the test's output folder."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.support.browser import Shots, serving_page
from tests.support.node import node_binary
from tests.support.paths import ROOT
from tests.support.service import Service, session_id_of

SDK = ROOT / "clients" / "web"
PASSWORD = "a long enough passphrase 42"
PAGE = """<!doctype html><title>H5 app</title><pre id=out>loading</pre>
<script type=module>
import * as sdk from '/wxsession-web.js';
window.sdk = sdk;
window.show = (value) => { document.getElementById('out').textContent = JSON.stringify(value); };
window.show('ready');
</script>"""


def test_the_sdks_node_tests_pass() -> None:
    ran = subprocess.run(
        [node_binary(), "--test", "test/"], cwd=SDK, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "# fail 0" in ran.stdout and "# pass 0" not in ran.stdout


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_sdk_in_a_browser_on_another_origin(
    make_service: Any, browser_page: Page, shots: Shots
) -> None:
    files = {"/wxsession-web.js": (SDK / "index.js").read_bytes()}
    with serving_page(PAGE, files) as origin:
        service: Service = make_service(
            cors_origins=[origin],
            csrf_trusted_origins=[origin],
            carriers=["header", "cookie"],
            cookie_secure=False,
            max_sessions_per_user=1,
        )
        _walk(service, browser_page, shots, origin)


def _walk(service: Service, page: Page, shots: Shots, origin: str) -> None:
    account = {"username": "web-ada", "password": PASSWORD}
    assert service.post("/v1/auth/password/register", json=account).status_code == 201
    page.goto(f"{origin}/")
    page.wait_for_function("window.sdk !== undefined")
    shots.take(page, "page-loaded")

    signed_in = page.evaluate(
        """async ([base, account]) => {
          window.told = [];
          window.bearer = sdk.createClient({
            baseURL: base, mode: 'bearer', onReplaced: (e) => window.told.push(e.code) });
          await window.bearer.login('/v1/auth/password/login', account);
          const me = await window.bearer.request('/v1/me');
          show(me.data);
          return [me.status, me.data.id, window.bearer.session() !== null];
        }""",
        [service.url, account],
    )
    assert signed_in[0] == 200 and signed_in[2] is True
    shots.take(page, "bearer-me")

    elsewhere = service.post("/v1/auth/password/login", json=account)  # another device
    assert service.get("/v1/me", session_id_of(elsewhere)).json()["id"] == signed_in[1]
    replaced = page.evaluate(
        """async () => {
          const answer = await window.bearer.request('/v1/me');
          await new Promise((resolve) => setTimeout(resolve, 0));
          const after = await window.bearer.request('/v1/me').then(() => 'sent', (e) => e.code);
          show({ code: answer.data.error.code, told: window.told, after });
          return [answer.status, answer.data.error.code, window.told, after];
        }"""
    )
    assert replaced == [401, "SESSION_REPLACED", ["SESSION_REPLACED"], "NOT_LOGGED_IN"]
    shots.take(page, "bearer-replaced")

    by_cookie = page.evaluate(
        """async ([base, account]) => {
          const client = sdk.createClient({ baseURL: base });
          await client.login('/v1/auth/password/login', account);
          const me = await client.request('/v1/me');
          show(me.data);
          return [me.status, me.data.id, client.session(), document.cookie];
        }""",
        [service.url, account],
    )
    assert by_cookie == [200, signed_in[1], None, ""]  # HttpOnly: the page never sees it
    shots.take(page, "cookie-me")
    assert service.get("/v1/me", session_id_of(elsewhere)).json()["error"]["code"] == (
        "SESSION_REPLACED"
    )
    shots.check()
