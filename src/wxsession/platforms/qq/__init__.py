"""The QQ mini-program login: one code exchange (qq.login())."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wxsession.platforms.spec import Built, DevApp, PlatformApp, PlatformSettings, PlatformSpec

if TYPE_CHECKING:
    import httpx

    from wxsession.emulator.routing import EmulatedPlatform

DEV_PREFIX = "/qq"
"""Where the emulator serves this platform's answers (its API base in dev mode)."""


def _build(app: PlatformApp, http: httpx.AsyncClient, timeout: float) -> Built:
    from wxsession.platforms.code_provider import build_code_provider
    from wxsession.platforms.qq.wire import QQ

    return build_code_provider(QQ, app, http, timeout)


def _emulated() -> EmulatedPlatform:
    from wxsession.platforms.qq.emulated import EMULATED

    return EMULATED


SPEC = PlatformSpec(
    name="qq",
    title="QQ mini program",
    short_title="QQ",
    code_source="qq.login()",
    max_code_length=128,
    settings=PlatformSettings.prefixed("qq", "https://api.q.qq.com"),
    build=_build,
    dev=DevApp("1100000000", "dev-qq-secret-not-for-production", prefix=DEV_PREFIX),
    emulator_flag="qq-app",
    emulated=_emulated,
)
