"""The Official Account's web authorisation as the emulator plays it, under its prefix:
the authorize page (``connect/oauth2/authorize``) and WeChat's sns OAuth answers."""

from __future__ import annotations

from wxsession.emulator.routing import EmulatedPlatform
from wxsession.platforms.wechat_oa import AUTHORIZE_PATH, DEV_PREFIX, SCOPES, SPEC
from wxsession.platforms.wechat_sns.emulated import Authorize, sns_routes

PAGE = Authorize(AUTHORIZE_PATH, SCOPES[::-1], "WeChat web authorisation")
"""The page grants both scopes; a code issued elsewhere (``/_emulator/login``) is
``snsapi_userinfo``'s, the one with a unionid."""

EMULATED = EmulatedPlatform(
    SPEC.name,
    DEV_PREFIX,
    lambda emulator: sns_routes(emulator, SPEC.name, PAGE.scopes[0], PAGE, DEV_PREFIX),
)
