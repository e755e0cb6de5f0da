"""Scale-out helpers: an emulator and the WXSESSION_* settings that reach it, and several
wxsession servers on one store in this process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx

from tests.support.cli import TEST_DATA_KEYS
from tests.support.emulator import running_emulator
from tests.support.service import APPID, SECRET
from wxsession.server.app import create_app
from wxsession.server.background import serve_in_thread
from wxsession.settings import Settings


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
