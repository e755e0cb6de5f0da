"""The WeChat Open Platform mobile App login: OAuth code exchange and profile."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wxsession.platforms.spec import (
    Built,
    DevApp,
    Option,
    PlatformApp,
    PlatformSettings,
    PlatformSpec,
)

if TYPE_CHECKING:
    import httpx

    from wxsession.emulator.routing import EmulatedPlatform


def _build(app: PlatformApp, http: httpx.AsyncClient, timeout: float) -> Built:
    from wxsession.platforms.wechat_app.provider import build_provider

    return build_provider(app, http, timeout)


def _emulated() -> EmulatedPlatform:
    from wxsession.platforms.wechat_app.emulated import EMULATED

    return EMULATED


SPEC = PlatformSpec(
    name="wechat_app",
    title="WeChat mobile App",
    short_title="App",
    code_source="the WeChat SDK's SendAuth",
    max_code_length=128,
    settings=PlatformSettings.prefixed(
        "wechat_app",
        "https://api.weixin.qq.com",  # WeChat's API host, the mini program's too
        Option(
            "userinfo",
            "wechat_app_userinfo",
            True,
            "Fetch sns/userinfo at an App login, to fill a new user's nickname and avatar.",
        ),
    ),
    build=_build,
    dev=DevApp("wxdevapp0000000000", "dev-app-secret-not-for-production"),
    emulator_flag="wechat-app",
    emulator_title="WeChat mobile App (Open Platform)",
    emulated=_emulated,
)
