"""Messages to a person's phone or mailbox: what is sent, and the seam every sender fits.

A :class:`Message` names a template and its parameters, never rendered text: an SMS vendor
sends a template registered with it (its id in settings), a mail sender renders ours
(:mod:`wxsession.messaging.mail`). A :class:`Sender` delivers one message or raises
:class:`~wxsession.core.account_errors.SenderUnavailable` (503): the vendor or server is
down, timed out or refused it. Senders never log a message's parameters (they hold codes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from wxsession.core.address import Address

Template = Literal["code", "password_reset"]
"""``code``: a verification code (params ``code``, ``minutes``); ``password_reset``: the
notice that the account's password was reset (no params)."""

Locale = Literal["en", "zh"]


@dataclass(frozen=True, slots=True)
class Message:
    to: Address
    template: Template
    params: Mapping[str, str]
    locale: Locale = "en"


class Sender(Protocol):
    """Delivers messages to one kind of address (phones or mailboxes)."""

    async def send(self, message: Message) -> None:
        """Hand ``message`` over for delivery; :class:`SenderUnavailable` if it was not
        taken. Returning means the vendor or mail server accepted it."""
        ...
