"""The Official Account's web authorisation: its authorize step and its provider."""

from __future__ import annotations

import httpx

from wxsession.core.errors import ConfigurationError
from wxsession.platforms.spec import Built, PlatformApp
from wxsession.platforms.wechat_oa import AUTHORIZE_PATH, SCOPES, SPEC
from wxsession.platforms.wechat_sns import wire
from wxsession.platforms.wechat_sns.provider import build_sns

ERRORS = wire.sns_errors(
    "WeChat Official Account",
    "WXSESSION_WECHAT_OA_APPID and WXSESSION_WECHAT_OA_SECRET (or WXSESSION_WECHAT_OA_APPS)",
    "sign in again",
)


def build_web(app: PlatformApp) -> wire.SnsAuthorizer:
    """The authorize step of ``app``; a scope WeChat does not offer here stops start-up."""
    scope = str(app.options["scope"])
    if scope not in SCOPES:
        raise ConfigurationError(
            f"WXSESSION_WECHAT_OA_SCOPE must be {' or '.join(SCOPES)}, not {scope!r}"
        )
    return wire.SnsAuthorizer(str(app.options["authorize_base"]), AUTHORIZE_PATH, app.appid, scope)


def build_provider(app: PlatformApp, http: httpx.AsyncClient, timeout: float) -> Built:
    """The provider of ``app``: userinfo whenever the grant's scope allows it."""
    return build_sns(SPEC, ERRORS, app, http, timeout)
