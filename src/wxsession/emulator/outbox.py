"""The emulator's outbox: the last messages "delivered" to each phone number and mailbox.

Whatever the emulated SMS vendors accept and whatever dev mode's SMTP server
(:mod:`wxsession.emulator.smtp`) receives lands here, so tests, the demo and people trying
the service read their codes without a phone or a mailbox. ``GET /_emulator/outbox?to=...``
(a control route: its body is a contract, see docs/login-methods.md) answers::

    {"to": "+8613800138000",
     "messages": [{"channel": "sms" | "mail", "via": "tencent" | "aliyun" | "smtp" | ...,
                   "subject": str | null, "text": str, "code": "123456" | null, "at": float}]}

newest first, at most :data:`KEEP` per address. ``to`` is read as the service reads an
address (E.164 for a phone, the domain lower-cased for mail), so ``13800138000`` and
``+86 138 0013 8000`` find the same messages.

Thread-safe: uvicorn's loop, the SMTP server's thread and the tests' thread all use it.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Literal

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wxsession.core.account_errors import AddressInvalid
from wxsession.core.address import parse_email, parse_phone

KEEP = 20
"""Messages kept per address (the oldest go first)."""

Channel = Literal["sms", "mail"]

_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


@dataclass(frozen=True, slots=True)
class Delivered:
    """One message as the emulator received it, with the first 6-digit number in it."""

    to: str
    channel: Channel
    via: str
    subject: str | None
    text: str
    code: str | None
    at: float


def normalized(to: str) -> str:
    """``to`` spelled as the service spells addresses; as given when it is neither (a
    message to a malformed address is still shown under what it was sent to)."""
    text = to.strip()
    if "@" in text:
        parse = parse_email
    else:
        parse = parse_phone
        if to[:1] == " ":  # a "+" that a query string turned into a space
            text = "+" + text
    try:
        return parse(text).value
    except AddressInvalid:
        return text


class Outbox:
    """The last :data:`KEEP` messages per address."""

    def __init__(self, *, keep: int = KEEP, clock: Callable[[], float] = time.time) -> None:
        self._keep = keep
        self._clock = clock
        self._lock = threading.Lock()
        self._boxes: dict[str, deque[Delivered]] = {}

    def deliver(
        self, to: str, channel: Channel, text: str, *, via: str, subject: str | None = None
    ) -> Delivered:
        """Record a message the emulator accepted for ``to``."""
        found = _CODE.search(text)
        message = Delivered(
            to=normalized(to),
            channel=channel,
            via=via,
            subject=subject,
            text=text,
            code=found.group(1) if found else None,
            at=self._clock(),
        )
        with self._lock:
            box = self._boxes.setdefault(message.to, deque(maxlen=self._keep))
            box.appendleft(message)
        return message

    def messages(self, to: str) -> list[Delivered]:
        """Messages to ``to``, newest first."""
        with self._lock:
            return list(self._boxes.get(normalized(to), ()))

    def latest_code(self, to: str) -> str | None:
        """The code of the newest message to ``to`` that has one."""
        return next((m.code for m in self.messages(to) if m.code is not None), None)

    def clear(self) -> None:
        with self._lock:
            self._boxes.clear()

    def routes(self) -> list[Route]:
        """``GET /_emulator/outbox?to=...`` (see the module's docstring)."""

        async def outbox(request: Request) -> Response:
            to = request.query_params.get("to")
            if not to:
                return JSONResponse({"error": "give the address as ?to=..."}, status_code=400)
            listed = [asdict(message) for message in self.messages(to)]
            for item in listed:
                del item["to"]
            return JSONResponse({"to": normalized(to), "messages": listed})

        return [Route("/_emulator/outbox", outbox, methods=["GET"])]
