"""WeChat mobile App login: the code from the WeChat SDK's SendAuth (Open Platform OAuth)
becomes an :class:`Identity` of the App's appid, with the unionid that joins it to the same
person's mini-program identity (:class:`~wxsession.platforms.wechat_sns.provider.SnsProvider`
with the App's texts)."""

from __future__ import annotations

import httpx

from wxsession.platforms.spec import Built, PlatformApp
from wxsession.platforms.wechat_app import SPEC, wire
from wxsession.platforms.wechat_sns.provider import build_sns


def build_provider(app: PlatformApp, http: httpx.AsyncClient, timeout: float) -> Built:
    """The provider of ``app`` (the spec's factory), on the shared HTTP client."""
    userinfo = bool(app.options["userinfo"])
    return build_sns(SPEC, wire.ERRORS, app, http, timeout, userinfo=userinfo)
