"""The mini-program SDK keeps its session on 503 and drops it only on 401, against a real
server whose real Redis the JavaScript test stops and starts through a control server
(``clients/miniprogram/reliability/store-outage.test.js``)."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from devtools.servers import RedisProcess
from tests.support.emulator import running_emulator
from tests.support.node import node_binary
from tests.support.paths import ROOT
from tests.support.service import APPID, SECRET
from wxsession.server.app import create_app
from wxsession.server.background import serve_in_thread
from wxsession.settings import Settings

pytestmark = pytest.mark.slow

OUTAGE_TEST = ROOT / "clients" / "miniprogram" / "reliability" / "store-outage.test.js"


def redis_control(redis: RedisProcess) -> Starlette:
    """``POST /redis/stop`` kills the server (SIGKILL); ``POST /redis/start`` brings it back
    with what it persisted."""

    def stop(_: Request) -> JSONResponse:
        redis.kill()
        return JSONResponse({"running": redis.running})

    def start(_: Request) -> JSONResponse:
        redis.start()
        return JSONResponse({"running": redis.running})

    return Starlette(
        routes=[
            Route("/redis/stop", stop, methods=["POST"]),
            Route("/redis/start", start, methods=["POST"]),
        ]
    )


@pytest.fixture
def outage_servers(tmp_path: Path) -> Iterator[dict[str, str]]:
    redis = RedisProcess(persist=True)
    redis.start()
    with ExitStack() as stack:
        stack.callback(redis.stop)
        emulator_url, _ = stack.enter_context(running_emulator({APPID: SECRET}))
        settings = Settings(
            appid=APPID,
            secret=SECRET,
            wechat_api_base=emulator_url,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'users.db'}",
            session_store=redis.url,
        )
        yield {
            "WXSESSION_URL": stack.enter_context(serve_in_thread(create_app(settings))),
            "EMULATOR_URL": emulator_url,
            "CONTROL_URL": stack.enter_context(serve_in_thread(redis_control(redis))),
            "APPID": APPID,
        }


def test_sdk_keeps_its_session_on_503_and_drops_it_only_on_401(
    outage_servers: dict[str, str],
) -> None:
    result = subprocess.run(
        [node_binary(), "--test", "--test-reporter=tap", str(OUTAGE_TEST)],
        cwd=ROOT,
        env={**os.environ, **outage_servers, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, f"node --test failed:\n{output}"
    assert re.search(r"^# pass 1$", result.stdout, re.M), output
    assert re.search(r"^# skipped 0$", result.stdout, re.M), output
