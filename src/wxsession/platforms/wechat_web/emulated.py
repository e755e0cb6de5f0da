"""The website QR-code login as the emulator plays it, under its prefix: the QR page
(``connect/qrconnect``; the emulator's stands for scanning and confirming on the phone) and
WeChat's sns OAuth answers."""

from __future__ import annotations

from wxsession.emulator.routing import EmulatedPlatform
from wxsession.platforms.wechat_sns.emulated import Authorize, sns_routes
from wxsession.platforms.wechat_web import AUTHORIZE_PATH, DEV_PREFIX, SCOPE, SPEC

PAGE = Authorize(AUTHORIZE_PATH, (SCOPE,), "WeChat QR-code login")

EMULATED = EmulatedPlatform(
    SPEC.name,
    DEV_PREFIX,
    lambda emulator: sns_routes(emulator, SPEC.name, SCOPE, PAGE, DEV_PREFIX),
)
