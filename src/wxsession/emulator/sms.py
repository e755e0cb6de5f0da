"""The SMS vendors the emulator plays: Tencent Cloud's ``SendSms`` under ``/tencent-sms/`` and
Alibaba Cloud's under ``/aliyun-sms/``, each checking signatures with the public dev
credentials and delivering into the emulator's outbox (``GET /_emulator/outbox``).

To make SMS fail (a vendor down, for "503, code not consumed" tests), use the faults route
scoped to a vendor's path: ``POST /_emulator/faults {"status": 503, "path": "/tencent-sms/"}``,
or a vendor error code, ``{"errcode": "RequestLimitExceeded", "path": "/tencent-sms/"}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import Route

from wxsession.messaging.sms_aliyun import emulated as aliyun
from wxsession.messaging.sms_tencent import emulated as tencent

if TYPE_CHECKING:
    from wxsession.emulator.platforms import Emulator


def sms_routes(emulator: Emulator) -> list[Route]:
    """Both vendors' routes over ``emulator`` 's state and outbox."""
    return [*tencent.routes(emulator, emulator.outbox), *aliyun.routes(emulator, emulator.outbox)]
