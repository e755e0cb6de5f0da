"""Plugin (tests/conftest.py): a real headless browser for the suites that need one (web
login now; the console and CORS later): Debian's ``chromium``, driven by Playwright.

The browser is the system's, never one Playwright downloads (``playwright install`` is not
run and cannot work here): when ``/usr/bin/chromium`` is missing, the session installs it
with ``apt-get`` (as root, as CI runs; after ``apt-get update`` when the package is not
known yet) and fails loudly with apt's reason if it cannot; a browser test never skips.

``browser`` is one Chromium per test module, never per session: Playwright's sync API runs
its event loop in the test's thread while it is open, and every asyncio test that ran on the
same worker meanwhile would fail ("Runner.run() cannot be called from a running event
loop"); pytest closes a module's fixtures before the next module's test. ``browser_page`` is
a fresh context and page per test (its own cookies). ``shots`` saves numbered PNG
screenshots of a test's steps in ``<pytest basetemp>/test-output/<test name>/``
(docs/testing.md).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support.apt import ensure_installed

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless system Chromium for a test module (see the module's docstring)."""
    executable = ensure_installed(CHROMIUM, "chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def browser_page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) and page for one test."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


@dataclass
class Shots:
    """A test's screenshots, numbered in the order taken."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def take(self, page: Page, step: str) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path

    def check(self) -> None:
        """Every screenshot exists and is a non-empty PNG."""
        for path in self.taken:
            data = path.read_bytes()
            assert len(data) > len(PNG_SIGNATURE) and data.startswith(PNG_SIGNATURE), path


@pytest.fixture
def shots(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Shots:
    """Screenshots of this test's steps, under ``<basetemp>/test-output/<test>/``."""
    name = re.sub(r"[^\w.-]+", "_", request.node.name)[:120]
    folder = tmp_path_factory.getbasetemp() / "test-output" / name
    folder.mkdir(parents=True, exist_ok=True)
    return Shots(folder)


@contextmanager
def serving_page(page: str, files: Mapping[str, bytes] | None = None) -> Iterator[str]:
    """An app's origin on loopback: ``page`` at ``/``, and ``files`` (path: JavaScript) beside
    it; yields the origin. A real server, not a page the browser makes up itself: such a
    page is in the public address space, and Chromium refuses its calls to loopback."""
    served = {"/": (page.encode(), "text/html; charset=utf-8")}
    served.update({path: (body, "text/javascript") for path, body in (files or {}).items()})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, kind = served.get(self.path, (b"not found", "text/plain"))
            self.send_response(200 if self.path in served else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            """Quiet: the test's own assertions say what happened."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
