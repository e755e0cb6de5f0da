"""Plugin (tests/conftest.py): the emulator on a real loopback port, for tests that talk HTTP
to it. ``running_emulator`` serves one for a block; the fixtures drive the module's ``served``
emulator (a module defines its own ``served`` with the apps it needs; the default, in
tests/support/platforms.py, knows an app of every platform)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import httpx
import pytest

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


@pytest.fixture
def url(served: tuple[str, Emulator]) -> Iterator[str]:
    """The emulator's URL; the faults a test injected are reset after it."""
    yield served[0]
    served[1].reset_faults()


@pytest.fixture
def emulator(served: tuple[str, Emulator], url: str) -> Emulator:
    """The emulator itself (to issue codes, inject faults); its faults are reset after the test."""
    return served[1]


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One pooled client for the module: building a client per call costs ~20 ms."""
    with httpx.Client(timeout=5) as client:
        yield client
