"""An Official Account's web authorisation, inside WeChat's browser: ``connect/oauth2/
authorize`` (scope ``snsapi_base``, or ``snsapi_userinfo`` for a nickname and avatar), then
WeChat's sns OAuth code exchange (:mod:`wxsession.platforms.wechat_sns`)."""

from __future__ import annotations

from wxsession.platforms.spec import DevApp, Option, PlatformSettings, PlatformSpec

DEV_PREFIX = "/wechat_oa"
"""Where the emulator serves this platform's hosts (its API and authorize bases in dev mode)."""
AUTHORIZE_PATH = "/connect/oauth2/authorize"
SCOPES = ("snsapi_base", "snsapi_userinfo")

SPEC = PlatformSpec(
    name="wechat_oa",
    title="WeChat Official Account web authorisation",
    short_title="Official Account",
    code_source="WeChat's connect/oauth2/authorize page",
    max_code_length=128,
    settings=PlatformSettings.prefixed(
        "wechat_oa",
        "https://api.weixin.qq.com",
        Option(
            "authorize_base",
            "wechat_oa_authorize_base",
            "https://open.weixin.qq.com",
            "Where the browser is sent to authorise (WeChat's open host).",
        ),
        Option(
            "scope",
            "wechat_oa_scope",
            SCOPES[0],
            "snsapi_base (silent, openid only) or snsapi_userinfo (asks; nickname, avatar,"
            " unionid).",
        ),
    ),
    build="wxsession.platforms.wechat_oa.web:build_provider",
    dev=DevApp(
        "wxdevoa00000000000",
        "dev-oa-secret-not-for-production",
        prefix=DEV_PREFIX,
        options={"authorize_base": DEV_PREFIX, "scope": SCOPES[1]},
    ),
    emulator_flag="wechat-oa-app",
    emulator_title="WeChat Official Account (web authorisation)",
    emulated="wxsession.platforms.wechat_oa.emulated:EMULATED",
    web="wxsession.platforms.wechat_oa.web:build_web",
)
