"""Alibaba Cloud SMS as a :class:`~wxsession.messaging.Sender`: the wire of :mod:`.wire`
over the platforms' HTTP shell, timestamped by an injected clock, a fresh nonce a call."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence

import httpx

from wxsession.core.clock import Clock
from wxsession.messaging.sms_aliyun import wire
from wxsession.messaging.sms_sender import SmsSender, Vendor, shell
from wxsession.platforms.wire import PlatformRequest

NAME = "Alibaba Cloud SMS"
HINT = (
    "WXSESSION_SMS_ALIYUN_ACCESS_KEY_ID, WXSESSION_SMS_ALIYUN_ACCESS_KEY_SECRET, "
    "WXSESSION_SMS_SIGN_NAME and WXSESSION_SMS_TEMPLATE_*"
)


def aliyun_sender(
    http: httpx.AsyncClient,
    *,
    api_base: str,
    credentials: wire.Credentials,
    sign_name: str,
    region: str,
    templates: Mapping[str, str],
    params: Sequence[str],
    timeout: float,
    clock: Clock,
) -> SmsSender:
    app = wire.SmsApp(credentials, sign_name, region)

    def build(phone: str, template_id: str, named: Sequence[tuple[str, str]]) -> PlatformRequest:
        nonce = secrets.token_hex(16)
        return wire.send_sms(
            app, phone, template_id, dict(named), timestamp=int(clock()), nonce=nonce
        )

    vendor = Vendor(NAME, HINT, build, wire.parse_send_sms)
    return SmsSender(shell(http, api_base, timeout, NAME), vendor, templates, params)
