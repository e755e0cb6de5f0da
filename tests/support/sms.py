"""Both emulated SMS vendors on a real loopback port, delivering into a list (the
emulator's outbox stands in for it in the full emulator)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from starlette.applications import Starlette

from wxsession.emulator.core import EmulatorCore
from wxsession.messaging.sms_aliyun import emulated as aliyun_emulated
from wxsession.messaging.sms_tencent import emulated as tencent_emulated
from wxsession.server.background import serve_in_thread


@dataclass
class ListInbox:
    """What the emulated vendors delivered: ``(to, text, via)``, oldest first."""

    received: list[tuple[str, str, str]] = field(default_factory=list)

    def deliver(
        self, to: str, channel: str, text: str, *, via: str, subject: str | None = None
    ) -> None:
        self.received.append((to, text, via))


@contextmanager
def sms_vendors() -> Iterator[tuple[str, EmulatorCore, ListInbox]]:
    """Serve both vendors' SendSms until the block ends; yields (base URL, state, inbox)."""
    core, inbox = EmulatorCore(platforms=("wechat",)), ListInbox()
    routes = [*tencent_emulated.routes(core, inbox), *aliyun_emulated.routes(core, inbox)]
    with serve_in_thread(Starlette(routes=routes)) as url:
        yield url, core, inbox
