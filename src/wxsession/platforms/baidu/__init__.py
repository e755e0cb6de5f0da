"""The Baidu smart-program login: one code exchange (swan.getLoginCode()).

Baidu names an app's credentials AppKey (sent as ``client_id``) and AppSecret (``sk``), so
its settings are ``WXSESSION_BAIDU_APP_KEY`` and ``WXSESSION_BAIDU_APP_SECRET``; the AppKey
is the app id its identities are stored under.
"""

from __future__ import annotations

from wxsession.platforms.spec import DevApp, PlatformSettings, PlatformSpec

DEV_PREFIX = "/baidu"
"""Where the emulator serves this platform's answers (its API base in dev mode)."""


SPEC = PlatformSpec(
    name="baidu",
    title="Baidu smart program",
    short_title="Baidu",
    code_source="swan.getLoginCode()",
    max_code_length=256,  # undocumented; an open-source host's code carries an '@' part
    settings=PlatformSettings(
        appid="baidu_app_key",
        secret="baidu_app_secret",  # noqa: S106 (the setting's name, not a secret)
        api_base="baidu_api_base",
        default_api_base="https://spapi.baidu.com",
    ),
    build="wxsession.platforms.baidu.provider:build",
    dev=DevApp(
        "DevBaiduAppKey000000000000000000", "dev-baidu-secret-not-for-production", DEV_PREFIX
    ),
    emulator_flag="baidu-app",
    emulator_title="Baidu smart program (AppKey:AppSecret)",
    emulated="wxsession.platforms.baidu.emulated:EMULATED",
)
