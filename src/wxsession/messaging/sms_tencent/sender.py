"""Tencent Cloud SMS as a :class:`~wxsession.messaging.Sender`: the wire of
:mod:`.wire` over the platforms' HTTP shell, timestamped by an injected clock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx

from wxsession.core.clock import Clock
from wxsession.messaging.sms_sender import SmsSender, Vendor, shell
from wxsession.messaging.sms_tencent import (
    DEV_PREFIX,
    DEV_SDK_APP_ID,
    DEV_SECRET_ID,
    DEV_SECRET_KEY,
    DEV_TEMPLATES,
    wire,
)
from wxsession.platforms.wire import PlatformRequest

NAME = "Tencent Cloud SMS"
HINT = (
    "WXSESSION_SMS_TENCENT_SECRET_ID, WXSESSION_SMS_TENCENT_SECRET_KEY, "
    "WXSESSION_SMS_TENCENT_SDK_APP_ID, WXSESSION_SMS_SIGN_NAME and WXSESSION_SMS_TEMPLATE_*"
)


def tencent_sender(
    http: httpx.AsyncClient,
    *,
    api_base: str,
    credentials: wire.Credentials,
    sdk_app_id: str,
    sign_name: str,
    region: str,
    templates: Mapping[str, str],
    params: Sequence[str],
    timeout: float,
    clock: Clock,
) -> SmsSender:
    """A sender calling ``api_base`` (whose host the signature covers: the ``Host`` httpx
    sends, without a default port and in lower case, so ``…:443`` signs what arrives)."""
    host = httpx.URL(api_base).netloc.decode("ascii")
    app = wire.SmsApp(credentials, sdk_app_id, sign_name, region, host)

    def build(phone: str, template_id: str, named: Sequence[tuple[str, str]]) -> PlatformRequest:
        values = [value for _, value in named]
        return wire.send_sms(app, phone, template_id, values, int(clock()))

    vendor = Vendor(NAME, HINT, build, wire.parse_send_sms)
    return SmsSender(shell(http, api_base, timeout, NAME), vendor, templates, params)


def dev_tencent_sender(http: httpx.AsyncClient, emulator_url: str, clock: Clock) -> SmsSender:
    """Dev mode's phone sender: the emulator's Tencent API (under ``emulator_url``), signed
    with its public dev pair, so a dev-mode code takes the same path as a real one."""
    return tencent_sender(
        http,
        api_base=emulator_url + DEV_PREFIX,
        credentials=wire.Credentials(DEV_SECRET_ID, DEV_SECRET_KEY),
        sdk_app_id=DEV_SDK_APP_ID,
        sign_name="wxsession",
        region="ap-guangzhou",
        templates=DEV_TEMPLATES,
        params=("code", "minutes"),
        timeout=5.0,
        clock=clock,
    )
