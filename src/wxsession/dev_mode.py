"""Dev mode's emulator: the one module that brings the emulator into the service.

Imported only inside dev-mode branches (``Runtime.open``, ``create_app``), so a production
app (real credentials) never loads :mod:`wxsession.emulator` nor any platform's
``emulated.py``; a test pins that.
"""

from __future__ import annotations

import httpx

from wxsession.emulator import Emulator, create_emulator_app
from wxsession.platforms.registry import DEV_CREDENTIALS
from wxsession.settings import DEV_APPID, DEV_SECRET

EMULATOR_BASE_URL = "http://wechat-emulator.invalid"
"""Where dev mode's HTTP client finds the in-process emulator (never resolved: ASGI)."""


def dev_emulator() -> Emulator:
    """The emulator dev mode serves: it knows the fixed dev app of every platform and
    defaults logins to the mini program."""
    platform_apps = {name: {appid: secret} for name, (appid, secret) in DEV_CREDENTIALS.items()}
    return Emulator({DEV_APPID: DEV_SECRET}, default_appid=DEV_APPID, platform_apps=platform_apps)


def emulator_transport(emulator: Emulator) -> httpx.ASGITransport:
    """The HTTP transport that takes dev mode's platform calls to ``emulator``, in-process."""
    return httpx.ASGITransport(app=create_emulator_app(emulator))
