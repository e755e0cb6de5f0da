"""Audit events of verification codes (issue 23): sent, refused, throttled, CAPTCHA asked.

An address appears only as ``address``, a keyed fingerprint (the same address gives the same
one, so lines correlate; it cannot be turned back into a phone number or mailbox), and a code
never appears at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from wxsession.audit import Event

WARNING = logging.WARNING


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeEvent(Event):
    """What a code's sending or checking names: the channel, the purpose, the address's
    fingerprint and the client IP (one shape, each outcome its own class and line)."""

    kind: str
    purpose: str
    address: str
    ip: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeSent(CodeEvent):
    name = "code_sent"


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeSendFailed(CodeEvent):
    """The sender did not take the message (503): nothing was stored."""

    name = "code_send_failed"
    level = WARNING


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeSendThrottled(Event):
    """``limit``: ``code_address``, ``code_ip``, ``code_total`` (which window refused)."""

    name = "code_send_throttled"
    level = WARNING
    kind: str
    limit: str
    address: str
    ip: str | None
    retry_after: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeFailed(CodeEvent):
    """A code refused: wrong, expired, used or out of tries (the line does not say which)."""

    name = "code_failed"
    level = WARNING


@dataclass(frozen=True, slots=True, kw_only=True)
class CaptchaAsked(Event):
    """A send refused for want of a solved CAPTCHA (``failed``: one was sent, and wrong)."""

    name = "captcha_required"
    level = WARNING
    kind: str
    address: str
    ip: str | None
    failed: bool
