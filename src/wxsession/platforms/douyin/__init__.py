"""The Douyin mini-program login: one code exchange (tt.login())."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wxsession.platforms.spec import Built, DevApp, PlatformApp, PlatformSettings, PlatformSpec

if TYPE_CHECKING:
    import httpx

    from wxsession.emulator.routing import EmulatedPlatform

DEV_PREFIX = "/douyin"
"""Where the emulator serves this platform's answers (its API base in dev mode)."""


def _build(app: PlatformApp, http: httpx.AsyncClient, timeout: float) -> Built:
    from wxsession.platforms.code_provider import build_code_provider
    from wxsession.platforms.douyin.wire import DOUYIN

    return build_code_provider(DOUYIN, app, http, timeout)


def _emulated() -> EmulatedPlatform:
    from wxsession.platforms.douyin.emulated import EMULATED

    return EMULATED


SPEC = PlatformSpec(
    name="douyin",
    title="Douyin mini program",
    short_title="Douyin",
    code_source="tt.login()",
    max_code_length=512,  # longer than WeChat's: over 128 characters have been seen
    settings=PlatformSettings.prefixed("douyin", "https://developer.toutiao.com"),
    build=_build,
    dev=DevApp("ttdev00000000000", "dev-douyin-secret-not-for-production", prefix=DEV_PREFIX),
    emulator_flag="douyin-app",
    emulated=_emulated,
)
