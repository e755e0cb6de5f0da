"""Who may become a new user (``WXSESSION_REGISTRATION``): everyone at their first login
(``auto``), everyone through an explicit step (``explicit``), or, when ``closed``, only the
addresses on ``WXSESSION_REGISTRATION_ALLOW``, proven by the login itself.

Why an allow-list and not invite codes: the ways in that can register while closed already
prove an address (a phone or e-mail code, WeChat's phone number), so a list of addresses needs
no second secret to store, hand out and expire, no field in every login body and no table;
an operator opening the door for someone edits one setting. A login that proves no address
(a WeChat code alone, a username) cannot register while closed.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from wxsession.core.account_errors import RegistrationClosed
from wxsession.core.device import Device
from wxsession.services.events import Observer
from wxsession.services.events_accounts import RegistrationRefused

Mode = Literal["auto", "explicit", "closed"]


class RegistrationGate:
    """Says whether a person not yet known may register, and refuses (403) when not."""

    def __init__(self, mode: Mode, allowed: Collection[str], emit: Observer) -> None:
        self.mode = mode
        self.allowed = frozenset(entry.lower() for entry in allowed)
        self.emit = emit

    @property
    def auto(self) -> bool:
        """New users are made at their first login (else: a pending session, or closed)."""
        return self.mode == "auto"

    @property
    def closed(self) -> bool:
        return self.mode == "closed"

    def admits(self, address: str | None) -> bool:
        """Whether a new user proving ``address`` (normalised: E.164 phone, e-mail with a
        lower-case domain; ``None``: none proven) may register."""
        if not self.closed:
            return True
        if address is None:
            return False
        folded = address.lower()
        _, at, domain = folded.rpartition("@")
        return folded in self.allowed or (bool(at) and "@" + domain in self.allowed)

    def check(self, provider: str, device: Device, address: str | None = None) -> None:
        """Raise 403 ``REGISTRATION_CLOSED`` (and audit it) unless :meth:`admits`."""
        if self.admits(address):
            return
        self.emit(RegistrationRefused(provider=provider, ip=device.ip))
        raise RegistrationClosed()
