"""Verification codes built from settings: the senders, the CAPTCHA and the service.

Outside dev mode a kind of address has a sender only when its settings are there (mail:
``WXSESSION_SMTP_HOST``); dev mode passes its own (the emulator's SMTP server and outbox),
and never reaches a real phone or mailbox.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession import audit
from wxsession.core.address import AddressKind
from wxsession.core.clock import Clock
from wxsession.data_keys import DataKeys
from wxsession.messaging import Sender
from wxsession.messaging.mail import SmtpSender, SmtpServer
from wxsession.services.captcha import CaptchaVerifier, ImageCaptcha
from wxsession.services.codes import KEY_LABEL, VerificationCodes
from wxsession.services.events import Observer
from wxsession.services.sms_setup import configured_sms
from wxsession.sessions.store import SessionStore
from wxsession.settings import Settings
from wxsession.throttle.factory import code_send_limits, one_time_store


def configured_senders(
    settings: Settings, http: httpx.AsyncClient, clock: Clock
) -> dict[AddressKind, Sender]:
    """The senders the settings configure: mail when ``smtp_host`` is set, SMS when
    ``sms_vendor`` is (over ``http``, the runtime's pooled client)."""
    senders: dict[AddressKind, Sender] = {}
    sms = configured_sms(settings, http, clock)
    if sms is not None:
        senders["phone"] = sms
    if settings.smtp_host:
        password = settings.smtp_password
        server = SmtpServer(
            settings.smtp_host,
            settings.smtp_port,
            user=settings.smtp_user,
            password=password.get_secret_value() if password is not None else None,
            starttls=settings.smtp_starttls,
            tls=settings.smtp_tls,
            timeout=settings.smtp_timeout,
            ca_file=settings.smtp_ca_file,
        )
        senders["email"] = SmtpSender(server, settings.smtp_from)
    return senders


def build_codes(
    settings: Settings,
    store: SessionStore,
    engine: AsyncEngine,
    clock: Clock,
    *,
    senders: Mapping[AddressKind, Sender],
    reveal: Callable[[str, str], None] | None = None,
    emit: Observer = audit.record,
    captcha: CaptchaVerifier | None = None,
) -> VerificationCodes:
    """The verification codes, their store and limits on the session store's backend;
    ``captcha`` replaces the built-in image CAPTCHA (a hosted one, behind the same seam)."""
    key = DataKeys.from_setting(settings.data_keys).derive(KEY_LABEL)
    secrets_store = one_time_store(store, engine)
    captcha = captcha or ImageCaptcha(
        secrets_store, key, ttl=settings.captcha_ttl, clock=clock, reveal=reveal
    )
    return VerificationCodes(
        secrets_store,
        senders,
        key,
        code_send_limits(settings, store, engine, clock),
        captcha,
        ttl=settings.code_ttl,
        max_tries=settings.code_max_tries,
        clock=clock,
        emit=emit,
    )
