"""A user as every layer above the accounts, and users' apps, see one: a frozen view."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True, weakref_slot=True)
class UserView:
    """A registered user as read from SQL (:mod:`wxsession.accounts` builds it; its fields
    are the ``users`` columns, under the same names).

    Frozen, so a view the hot-session cache shares between concurrent requests cannot be
    changed under them, and no change can be written back by accident: changes go through
    the accounts (a profile update returns a new view). ``repr`` leaves out the profile.
    """

    id: str
    nickname: str | None = field(repr=False)
    avatar_url: str | None = field(repr=False)
    phone_number: str | None = field(repr=False)
    """Set only from WeChat's getuserphonenumber answer (``POST /v1/me/phone``): verified."""
    disabled: bool
    created_at: datetime
    session_epoch: int
    """The revocation point: sessions issued under a lower epoch are refused
    (:mod:`wxsession.sessions.revocation`)."""
    sessions_revoked_at: datetime | None
