"""CORS from a real headless Chromium (issue 26): a page on another origin calls
``GET /v1/me`` (the fast path) with the session cookie and with a bearer header; a page on an
origin not listed cannot read the answer. Screenshots under the test's output folder."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.support.browser import Shots, serving_page
from tests.support.service import Service

PAGE = """<!doctype html><title>H5 app</title><pre id=out>…</pre>
<script>
window.call = async (url, init) => {
  const res = await fetch(url, init);
  const text = JSON.stringify({ status: res.status, body: await res.json(),
    challenge: res.headers.get('WWW-Authenticate') });
  document.getElementById('out').textContent = text;
  return text;
};
</script>"""


def _open_page(page: Page, origin: str) -> None:
    page.goto(f"{origin}/")


def _call(page: Page, url: str, init: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(page.evaluate("([u, i]) => window.call(u, i)", [url, init]))
    return answer


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_page_on_a_listed_origin_reads_me_by_cookie_and_by_bearer(
    make_service: Any, browser_page: Page, shots: Shots
) -> None:
    with serving_page(PAGE) as origin:
        _walk(make_service, browser_page, shots, origin)


def _walk(make_service: Any, page: Page, shots: Shots, origin: str) -> None:
    service: Service = make_service(
        cors_origins=[origin], carriers=["header", "cookie"], cookie_secure=False
    )
    token = service.session_for("zoe")
    _open_page(page, origin)
    shots.take(page, "page-on-other-origin")

    by_bearer = _call(
        page, f"{service.url}/v1/me", {"headers": {"Authorization": f"Bearer {token}"}}
    )
    assert by_bearer["status"] == 200 and by_bearer["body"]["nickname"] is None
    shots.take(page, "me-by-bearer")

    page.context.add_cookies(
        [{"name": service.settings.cookie_name, "value": token, "url": service.url}]
    )
    by_cookie = _call(page, f"{service.url}/v1/me", {"credentials": "include"})
    assert by_cookie["status"] == 200 and by_cookie["body"]["id"] == by_bearer["body"]["id"]
    shots.take(page, "me-by-cookie")

    assert service.post("/v1/auth/logout", token).status_code == 204
    refused = _call(page, f"{service.url}/v1/me", {"credentials": "include"})
    assert refused["status"] == 401 and refused["body"]["error"]["code"] == "SESSION_INVALID"
    assert 'wx_error="SESSION_INVALID"' in refused["challenge"]  # an exposed header
    shots.take(page, "refused-after-logout")
    shots.check()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_page_on_an_origin_not_listed_cannot_read_the_answer(
    make_service: Any, browser_page: Page, shots: Shots
) -> None:
    with serving_page(PAGE) as other:
        service: Service = make_service(cors_origins=["https://h5.example.com"])
        token = service.session_for("amy")
        _open_page(browser_page, other)
        failure = browser_page.evaluate(
            "([u, t]) => fetch(u, {headers: {Authorization: 'Bearer ' + t}})"
            ".then(() => 'read', (e) => e.name)",
            [f"{service.url}/v1/me", token],
        )
    assert failure == "TypeError"  # the browser hid the answer: no CORS grant for this origin
    shots.take(browser_page, "refused-origin")
    shots.check()
