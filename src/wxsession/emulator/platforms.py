"""The platforms the emulator plays, one line each; the first is the default one.

To be derived from the platform list (``wxsession.platforms``) once it names each platform's
emulated module. Each module is that platform's own ``emulated.py``: its wire answers and
routes over :class:`~wxsession.emulator.core.EmulatorCore`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from wxsession.emulator.core import EmulatorCore
from wxsession.emulator.routing import EmulatedPlatform
from wxsession.platforms.douyin import emulated as douyin
from wxsession.platforms.qq import emulated as qq
from wxsession.platforms.wechat import emulated as wechat
from wxsession.platforms.wechat_app import emulated as wechat_app

EMULATED: tuple[EmulatedPlatform, ...] = (
    wechat.EMULATED,
    wechat_app.EMULATED,
    qq.EMULATED,
    douyin.EMULATED,
)
PLATFORMS = tuple(platform.name for platform in EMULATED)
QQ_PREFIX = qq.PREFIX
DOUYIN_PREFIX = douyin.PREFIX


class Emulator(EmulatorCore):
    """Plays every platform of :data:`EMULATED`: ``issue_code`` is the client's login call,
    the routes are their server APIs. ``apps`` are WeChat mini programs (the default
    platform); ``platform_apps`` the apps of the others by name (``wechat_app``, ``qq``,
    ``douyin``). A platform with no app registered accepts any appid/secret pair."""

    def __init__(
        self,
        apps: Mapping[str, str] | None = None,
        *,
        default_appid: str | None = None,
        unionid: bool = False,
        clock: Callable[[], float] = time.time,
        seed: str = "wxsession-emulator",
        platform_apps: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        super().__init__(
            apps,
            platforms=PLATFORMS,
            default_appid=default_appid,
            unionid=unionid,
            clock=clock,
            seed=seed,
            platform_apps=platform_apps,
        )
