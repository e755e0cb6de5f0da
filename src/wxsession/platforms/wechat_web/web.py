"""The website QR-code login: its authorize step and its provider."""

from __future__ import annotations

import httpx

from wxsession.platforms.spec import Built, PlatformApp
from wxsession.platforms.wechat_sns import wire
from wxsession.platforms.wechat_sns.provider import build_sns
from wxsession.platforms.wechat_web import AUTHORIZE_PATH, SCOPE, SPEC

ERRORS = wire.sns_errors(
    "WeChat website login",
    "WXSESSION_WECHAT_WEB_APPID and WXSESSION_WECHAT_WEB_SECRET (or WXSESSION_WECHAT_WEB_APPS)",
    "scan the QR code again",
)


def build_web(app: PlatformApp) -> wire.SnsAuthorizer:
    """The authorize step of ``app``."""
    return wire.SnsAuthorizer(str(app.options["authorize_base"]), AUTHORIZE_PATH, app.appid, SCOPE)


def build_provider(app: PlatformApp, http: httpx.AsyncClient, timeout: float) -> Built:
    """The provider of ``app``: its grants always read userinfo (``snsapi_login``)."""
    return build_sns(SPEC, ERRORS, app, http, timeout)
