"""Audit events of the account's own life: closing it, signing in by phone or e-mail, resetting
the password, refusals of closed registration (issue 23). Kept apart from
:mod:`wxsession.services.events`, whose conventions they follow: one class per line shape."""

from __future__ import annotations

from dataclasses import dataclass

from wxsession.audit import Event
from wxsession.services.events import WARNING


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountClosed(Event):
    """A user deleted their own account. Only the id is kept (the line's time is the
    other fact): the person's data is gone, and the audit log must not keep it either."""

    name = "account_closed"
    user: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationRefused(Event):
    """An unknown person tried to sign up while registration is closed."""

    name = "registration_refused"
    level = WARNING
    provider: str
    ip: str | None
