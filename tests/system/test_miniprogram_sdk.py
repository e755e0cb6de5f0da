"""The mini-program SDK's own tests (``node --test clients/miniprogram/test/``), run under
pytest so the README's single test command covers the JavaScript too.

The unit tests need nothing. The end-to-end tests get real servers from here: the WeChat
emulator, a wxsession server on SQLite talking to it (and a second one reading the session
from a custom header), a small control server that moves the servers' clock so the
JavaScript side can force expiry without sleeping, and a real `wxsession serve` in dev mode
(every platform offered with its dev app, the emulator on its port) for the other
mini-program platforms.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.cli import serving
from tests.support.clock import MovableClock
from tests.support.emulator import running_emulator
from tests.support.node import node_binary
from tests.support.paths import ROOT
from wxsession.server.app import create_app
from wxsession.server.background import serve_in_thread
from wxsession.settings import Settings

SDK_TESTS = ROOT / "clients" / "miniprogram" / "test"
APPID = "wx3c1d5e7f9a2b4c6d"
SECRET = "sdk-test-secret-0a1b2c3d4e5f"
APPID2 = "wx9e8d7c6b5a4f3e2d"
SECRET2 = "sdk-test-secret2-6f5e4d3c2b1a"


def create_control_app(clock: MovableClock) -> Starlette:
    """``POST /advance {"seconds": N}`` moves the servers' clock forward by N seconds."""

    async def advance(request: Request) -> JSONResponse:
        data = await request.json()
        seconds = data.get("seconds") if isinstance(data, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            return JSONResponse({"error": "seconds must be a number >= 0"}, status_code=400)
        clock.advance(seconds)
        return JSONResponse({"now": clock()})

    return Starlette(routes=[Route("/advance", advance, methods=["POST"])])


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Everything the end-to-end tests need, as the environment variables they read."""
    clock = MovableClock()
    with ExitStack() as stack:
        emulator_url, _ = stack.enter_context(
            running_emulator({APPID: SECRET, APPID2: SECRET2}, default_appid=APPID, clock=clock)
        )

        def server(name: str, **overrides: Any) -> str:
            credentials = {} if "wechat_apps" in overrides else {"appid": APPID, "secret": SECRET}
            settings = Settings(
                **credentials,
                wechat_api_base=emulator_url,
                wechat_timeout=2.0,
                database_url=f"sqlite+aiosqlite:///{tmp_path / name}.db",
                session_store="sql",
                **overrides,
            )
            url: str = stack.enter_context(serve_in_thread(create_app(settings, clock=clock)))
            return url

        dev_dir = tmp_path / "dev"
        dev_dir.mkdir()
        # Codes (accounts.e2e.test.js): no CAPTCHA for the SDK's few sends from loopback.
        _, dev = stack.enter_context(serving(dev_dir, WXSESSION_CODE_CAPTCHA_AFTER="100"))
        yield {
            "WXSESSION_DEV_URL": str(dev.base_url).rstrip("/"),
            "WXSESSION_URL": server("main"),
            "WXSESSION_HEADER_URL": server("header", header_name="X-Session-Id"),
            # Single-device mode: a second login ends the first session (SESSION_REPLACED).
            "WXSESSION_SINGLE_URL": server("single", max_sessions_per_user=1),
            # Two mini programs on one server (WXSESSION_WECHAT_APPS): logins name their appid.
            "WXSESSION_APPS_URL": server(
                "apps", wechat_apps=f"{APPID}:{SECRET},{APPID2}:{SECRET2}"
            ),
            "APPID2": APPID2,
            "EMULATOR_URL": emulator_url,
            "CONTROL_URL": stack.enter_context(serve_in_thread(create_control_app(clock))),
            "APPID": APPID,
        }


@pytest.mark.first
def test_miniprogram_sdk(servers: dict[str, str]) -> None:
    node = node_binary()
    env = {**os.environ, **servers, "NO_COLOR": "1"}
    result = subprocess.run(
        [node, "--test", "--test-reporter=tap", str(SDK_TESTS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, f"node --test failed:\n{output}"
    # The end-to-end tests really ran: nothing was skipped, and they are in the report.
    assert re.search(r"^# skipped 0$", result.stdout, re.M), output
    assert re.search(r"^# fail 0$", result.stdout, re.M), output
    assert "expiry forced on the server" in result.stdout, output
    assert "two mini programs on one server" in result.stdout, output
    assert "accounts: delete the account, then stay logged out" in result.stdout, output
    assert "single-device mode: the replaced device asks its app" in result.stdout, output
    platforms = {"qq": "qq", "douyin": "tt", "alipay": "my", "baidu": "swan", "kuaishou": "ks"}
    for provider, own in platforms.items():
        assert f"{provider}: the SDK signs in with {own}'s own call" in result.stdout, output
