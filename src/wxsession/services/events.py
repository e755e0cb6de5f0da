"""What the use cases report: one small typed event per outcome worth an audit line.

The services emit these to an :data:`Observer` (the audit log, :func:`wxsession.audit.record`,
in a running service); they never write log lines themselves. Each class's fields, in order,
are the fields of its line, so two outcomes that log differently are two classes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from wxsession.audit import Actor, Event, unlogged

Observer = Callable[[Event], None]
"""Receives every event a service emits."""

WARNING = logging.WARNING


# --- logins and registration ----------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class LoggedIn(Event):
    name = "login"
    user: str | None
    provider: str
    app: str
    registered: bool
    ip: str | None
    session: str
    replaced: str | None
    device: str | None = unlogged()
    """The session's short device label (the audit table's, not the line's)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeLoginFailed(Event):
    name = "login_failed"
    level = WARNING
    provider: str
    app: str
    reason: str
    ip: str | None
    presented: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordLoginFailed(Event):
    name = "login_failed"
    level = WARNING
    user: str | None
    provider: str
    reason: str
    ip: str | None
    presented: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DisabledLoginRefused(Event):
    name = "login_failed"
    level = WARNING
    user: str
    provider: str
    reason: str
    ip: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeLoginThrottled(Event):
    name = "login_throttled"
    level = WARNING
    provider: str
    limit: str
    ip: str | None
    retry_after: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordLoginThrottled(Event):
    name = "login_throttled"
    level = WARNING
    provider: str
    limit: str
    account: str
    ip: str | None
    retry_after: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Registered(Event):
    """A pending session's registration step."""

    name = "registered"
    user: str
    provider: str
    ip: str | None
    session: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordRegistered(Event):
    name = "registered"
    user: str
    provider: str
    ip: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionEvicted(Event):
    """The oldest session of a user over the per-user limit ended for a new one."""

    name = "session_evicted"
    user: str | None
    ip: str | None
    public_id: str


# --- passwords and re-authentication --------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordChanged(Event):
    name = "password_changed"
    user: str
    ip: str | None
    session: str
    ended: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordChangeFailed(Event):
    name = "password_change_failed"
    level = WARNING
    user: str
    reason: str
    ip: str | None
    session: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ProofThrottled(Event):
    """Too many wrong current passwords (a password change's or a ``reauth`` proof's)."""

    level = WARNING
    user: str
    reason: str
    limit: str
    ip: str | None
    session: str
    retry_after: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordChangeThrottled(ProofThrottled):
    name = "password_change_failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReauthThrottled(ProofThrottled):
    name = "reauth_failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReauthFailed(Event):
    name = "reauth_failed"
    level = WARNING
    user: str
    proof: str | None
    reason: str
    ip: str | None
    session: str


# --- identities -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityJoined(Event):
    """A login's identity joined the user of its unionid."""

    name = "identity_bound"
    user: str
    provider: str
    app: str
    via: str = "unionid"
    ip: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityBound(Event):
    name = "identity_bound"
    user: str
    provider: str
    app: str
    via: str = "bind"
    ip: str | None
    session: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityUnbound(Event):
    name = "identity_unbound"
    user: str
    provider: str
    app: str
    ip: str | None
    session: str
    ended: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeFailed(Event):
    """A bind or unbind refused, with the reason (its error code)."""

    level = WARNING
    user: str | None
    provider: str
    reason: str
    ip: str | None
    session: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BindFailed(ChangeFailed):
    name = "bind_failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class UnbindFailed(ChangeFailed):
    name = "unbind_failed"


# --- sessions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class LoggedOut(Event):
    name = "logout"
    user: str | None
    ip: str | None
    session: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LoggedOutEverywhere(Event):
    name = "logout_all"
    user: str
    ip: str | None
    session: str
    ended: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionRevoked(Event):
    """One session ended by its public id, by its user or an operator."""

    name = "session_revoked"
    user: str
    by: Actor
    public_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionsRevoked(Event):
    """Sessions of a user ended at once: the user's others, or all by an operator."""

    name = "sessions_revoked"
    user: str
    by: Actor
    ended: int | None


# --- operators ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class UserDisabled(Event):
    name = "user_disabled"
    user: str
    by: Actor
    ended: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class UserEnabled(Event):
    name = "user_enabled"
    user: str
    by: Actor


@dataclass(frozen=True, slots=True, kw_only=True)
class UserDeleted(Event):
    name = "user_deleted"
    user: str
    by: Actor
    ended: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionKeysResealed(Event):
    name = "session_keys_resealed"
    by: Actor
    key_id: str
    moved: int
    unreadable: int
