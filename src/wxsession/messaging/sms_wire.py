"""What both SMS vendors' wire modules answer with: the verdict on one ``SendSms`` call.

Sans-IO: a wire module turns the vendor's HTTP status and body into an :class:`Outcome`, and
the sender (the only part that knows wxsession's errors and logs) turns that into an error.
The vendor's message text is for operators: it is logged, never shown to a client.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass
from typing import Any


class Verdict(enum.Enum):
    """How a send ended, in the terms that decide what the caller sees."""

    SENT = "sent"
    UNAVAILABLE = "unavailable"
    """Down, overloaded, throttled, or an answer that is not an answer (5xx): try later."""
    MISCONFIGURED = "misconfigured"
    """Credentials, sign name, template or account refused: only the operator can fix it."""
    RECIPIENT_REFUSED = "recipient_refused"
    """This number cannot get the message (not a mobile number, blocked, its own limit)."""
    MALFORMED = "malformed"
    """A 2xx answer in no shape the vendor documents."""


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    code: str = ""
    """The vendor's error code (``""`` when sent or when there is none)."""
    message: str = ""
    """The vendor's message, shortened: for the log only."""


SENT = Outcome(Verdict.SENT)
MESSAGE_LOG_LIMIT = 200


_DIGITS = re.compile(r"\d{6,}")


def outcome(verdict: Verdict, code: object, message: object) -> Outcome:
    """An :class:`Outcome` from whatever the vendor put in its code and message fields; runs
    of six or more digits in the message (a number, a code it echoes) are masked, as the
    message goes to the log."""
    text = message if isinstance(message, str) else ""
    masked = _DIGITS.sub("***", text[:MESSAGE_LOG_LIMIT])
    return Outcome(verdict, code if isinstance(code, str) else "", masked)


def json_object(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, else ``None``."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def classify(code: str, table: dict[str, Verdict], prefixes: dict[str, Verdict]) -> Verdict:
    """A vendor code's verdict: exact entries first, then the longest matching prefix
    (``RequestLimitExceeded.``); a code in neither is :attr:`Verdict.MALFORMED`."""
    if code in table:
        return table[code]
    matches = [prefix for prefix in prefixes if code.startswith(prefix)]
    return prefixes[max(matches, key=len)] if matches else Verdict.MALFORMED
