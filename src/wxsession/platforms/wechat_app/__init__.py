"""The WeChat Open Platform mobile App login: OAuth code exchange and profile."""

from __future__ import annotations

from wxsession.platforms.spec import (
    DevApp,
    Option,
    PlatformSettings,
    PlatformSpec,
)

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
    build="wxsession.platforms.wechat_app.provider:build_provider",
    dev=DevApp("wxdevapp0000000000", "dev-app-secret-not-for-production"),
    emulator_flag="wechat-app",
    emulator_title="WeChat mobile App (Open Platform)",
    emulated="wxsession.platforms.wechat_app.emulated:EMULATED",
)
