"""Dev mode's emulator: the one module that brings the emulator into the service.

Imported only inside dev-mode branches (``Runtime.open``, ``create_app``), so a production
app (real credentials) never loads :mod:`wxsession.emulator` nor any platform's
``emulated.py``; a test pins that.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from wxsession.core.address import AddressKind
from wxsession.core.clock import Clock
from wxsession.emulator import Emulator, create_emulator_app
from wxsession.emulator.smtp import SmtpOutboxServer
from wxsession.messaging import Sender
from wxsession.messaging.mail import SmtpSender, SmtpServer
from wxsession.messaging.sms_tencent.sender import dev_tencent_sender
from wxsession.platforms.registry import DEV_CREDENTIALS
from wxsession.settings import DEV_APPID, DEV_SECRET

EMULATOR_BASE_URL = "http://wechat-emulator.invalid"
"""Where dev mode's HTTP client finds the in-process emulator (never resolved: ASGI)."""
DEV_MAIL_FROM = "wxsession dev <no-reply@wxsession.invalid>"


def dev_emulator() -> Emulator:
    """The emulator dev mode serves: it knows the fixed dev app of every platform and
    defaults logins to the mini program."""
    platform_apps = {name: {appid: secret} for name, (appid, secret) in DEV_CREDENTIALS.items()}
    return Emulator({DEV_APPID: DEV_SECRET}, default_appid=DEV_APPID, platform_apps=platform_apps)


def emulator_transport(emulator: Emulator) -> httpx.ASGITransport:
    """The HTTP transport that takes dev mode's platform calls to ``emulator``, in-process."""
    return httpx.ASGITransport(app=create_emulator_app(emulator))


@dataclass(frozen=True, slots=True)
class DevMessaging:
    senders: dict[AddressKind, Sender]
    reveal: Callable[[str, str], None]


@asynccontextmanager
async def dev_messaging(
    emulator: Emulator, http: httpx.AsyncClient, clock: Clock
) -> AsyncIterator[DevMessaging]:
    """Dev mode's senders: mail over real SMTP to the emulator's own server (started here,
    on loopback, stopped on exit), phones through the emulator's Tencent SMS API (``http``
    reaches it in-process), both landing in its outbox; and the CAPTCHA answers told to it
    (``/_emulator/captcha/{id}``). Nothing leaves the machine."""
    server = emulator.smtp or SmtpOutboxServer(emulator.outbox)
    await server.start()
    emulator.smtp = server
    mail = SmtpSender(SmtpServer(server.host, server.port, starttls=False), DEV_MAIL_FROM)
    try:
        phone = dev_tencent_sender(http, EMULATOR_BASE_URL, clock)
        yield DevMessaging({"email": mail, "phone": phone}, emulator.captchas.record)
    finally:
        await server.stop()
