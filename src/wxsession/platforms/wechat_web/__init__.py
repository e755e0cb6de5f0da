"""A website's WeChat QR-code login (Open Platform website app): ``connect/qrconnect`` with
scope ``snsapi_login``, then WeChat's sns OAuth code exchange
(:mod:`wxsession.platforms.wechat_sns`)."""

from __future__ import annotations

from wxsession.platforms.spec import DevApp, Option, PlatformSettings, PlatformSpec

DEV_PREFIX = "/wechat_web"
"""Where the emulator serves this platform's hosts (its API and authorize bases in dev mode)."""
AUTHORIZE_PATH = "/connect/qrconnect"
SCOPE = "snsapi_login"

SPEC = PlatformSpec(
    name="wechat_web",
    title="WeChat website QR-code login",
    short_title="Website",
    code_source="WeChat's connect/qrconnect page",
    max_code_length=128,
    settings=PlatformSettings.prefixed(
        "wechat_web",
        "https://api.weixin.qq.com",
        Option(
            "authorize_base",
            "wechat_web_authorize_base",
            "https://open.weixin.qq.com",
            "Where the browser is sent to scan the QR code (WeChat's open host).",
        ),
    ),
    build="wxsession.platforms.wechat_web.web:build_provider",
    dev=DevApp(
        "wxdevweb0000000000",
        "dev-web-secret-not-for-production",
        prefix=DEV_PREFIX,
        options={"authorize_base": DEV_PREFIX},
    ),
    emulator_flag="wechat-web-app",
    emulator_title="WeChat website app (QR-code login)",
    emulated="wxsession.platforms.wechat_web.emulated:EMULATED",
    web="wxsession.platforms.wechat_web.web:build_web",
)
