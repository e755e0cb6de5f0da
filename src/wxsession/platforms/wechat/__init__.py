"""WeChat mini-program login: jscode2session on the wire, the API client, open-data
crypto, the access token, and the provider. Import the module you need; this package
loads only its spec.
"""

from __future__ import annotations

from wxsession.platforms.spec import PlatformSettings, PlatformSpec

API_BASE = "https://api.weixin.qq.com"


SPEC = PlatformSpec(
    name="wechat",
    title="WeChat mini program",
    short_title="WeChat",
    code_source="wx.login()",
    max_code_length=128,  # WeChat's codes are 32 characters; the slack allows a format change
    settings=PlatformSettings("appid", "secret", "wechat_api_base", API_BASE, declared=True),
    build=None,
    emulated="wxsession.platforms.wechat.emulated:EMULATED",
)
"""The service's own mini program: always on, its settings (``WXSESSION_APPID``, ...; its apps
list is ``WXSESSION_WECHAT_APPS``) and dev pair declared by :class:`~wxsession.settings.Settings`,
its providers (one per app) built by the runtime."""
