"""The WeChat emulator on a real loopback port, for tests that talk HTTP to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from wxsession.emulator import Emulator, create_emulator_app
from wxsession.server.background import serve_in_thread


@contextmanager
def running_emulator(
    apps: Mapping[str, str] | None = None,
    *,
    unionid: bool = False,
    clock: Callable[[], float] | None = None,
    default_appid: str | None = None,
    platform_apps: Mapping[str, Mapping[str, str]] | None = None,
) -> Iterator[tuple[str, Emulator]]:
    """Serve a fresh emulator under uvicorn until the block ends; yields (base_url, it).
    ``platform_apps``: apps of the other platforms (``wechat_app``, ``qq``, ``douyin``)."""
    options = {"clock": clock} if clock is not None else {}
    emulator = Emulator(
        apps,
        default_appid=default_appid,
        unionid=unionid,
        platform_apps=platform_apps,
        **options,
    )
    with serve_in_thread(create_emulator_app(emulator)) as base_url:
        yield base_url, emulator
