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


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkedAtLogin(Event):
    """WeChat's one-tap phone login bound the WeChat identity or the phone to the user it
    signed in (``via``: ``wechat_phone``)."""

    name = "identity_bound"
    user: str
    provider: str
    app: str
    via: str
    ip: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordReset(Event):
    """A password set through a code sent to the user's phone or e-mail (``via``); every
    session of the user ended."""

    name = "password_reset"
    user: str
    via: str
    ip: str | None
    ended: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordResetFailed(Event):
    name = "password_reset_failed"
    level = WARNING
    user: str | None
    via: str
    reason: str
    ip: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordResetThrottled(Event):
    name = "password_reset_failed"
    level = WARNING
    via: str
    limit: str
    account: str
    ip: str | None
    retry_after: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ResetNoticeFailed(Event):
    """The password was reset, but the notice to the address could not be sent."""

    name = "password_reset_notice_failed"
    level = WARNING
    user: str
    via: str
