"""Fixtures for scale-out tests: a Sentinel set-up, and wxsession servers on any store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx
import pytest

from tests.support.cli import TEST_DATA_KEYS
from tests.support.emulator import running_emulator
from tests.support.topologies import SentinelTopology
from wxsession.server.app import create_app
from wxsession.server.background import serve_in_thread
from wxsession.settings import Settings

APPID = "wx5e1f0c3a9b7d2e46"
SECRET = "test-app-secret-7f3a9c1e5b2d4f60"


@pytest.fixture(scope="module")
def sentinel_topology() -> Iterator[SentinelTopology]:
    """1 master, 1 replica, 3 sentinels (about 8 s to settle); the test may fail it over."""
    topology = SentinelTopology()
    try:
        topology.start()
        yield topology
    finally:
        topology.stop()


@contextmanager
def emulator_env() -> Iterator[dict[str, str]]:
    """A running WeChat emulator and the settings (as WXSESSION_* variables) that reach it."""
    with running_emulator({APPID: SECRET}) as (url, _):
        yield {
            "WXSESSION_APPID": APPID,
            "WXSESSION_SECRET": SECRET,
            "WXSESSION_DATA_KEYS": TEST_DATA_KEYS,
            "WXSESSION_WECHAT_API_BASE": url,
        }


def wx_code(env: dict[str, str], user: str) -> str:
    """Play wx.login() for ``user`` on the emulator ``env`` points at."""
    response = httpx.post(
        f"{env['WXSESSION_WECHAT_API_BASE']}/_emulator/login",
        json={"appid": APPID, "user": user},
    )
    response.raise_for_status()
    code: str = response.json()["code"]
    return code


@contextmanager
def in_thread_servers(count: int, env: dict[str, str], **settings: Any) -> Iterator[list[str]]:
    """``count`` wxsession apps, each with its own runtime (pools, caches), in this process."""
    options = {key.removeprefix("WXSESSION_").lower(): value for key, value in env.items()}
    with ExitStack() as stack:
        yield [
            stack.enter_context(serve_in_thread(create_app(Settings(**options, **settings))))
            for _ in range(count)
        ]
