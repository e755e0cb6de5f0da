"""The WeChat mobile App's Open Platform OAuth as the emulator plays it (``sns/oauth2/
access_token`` and ``sns/userinfo`` on WeChat's host, served at the root): WeChat's sns
OAuth (:mod:`wxsession.platforms.wechat_sns.emulated`) with scope ``snsapi_userinfo``.

The App shares the mini program's unionids (one Open Platform account).
"""

from __future__ import annotations

from wxsession.emulator.routing import EmulatedPlatform
from wxsession.platforms.wechat_app import SPEC
from wxsession.platforms.wechat_sns.emulated import sns_routes

EMULATED = EmulatedPlatform(
    SPEC.name, "", lambda emulator: sns_routes(emulator, SPEC.name, "snsapi_userinfo")
)
