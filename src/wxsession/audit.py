"""Audit events: one structured log line per security-relevant act.

Logger ``wxsession.audit``. Each line reads ``<event> key=value …`` in plain text, and carries
the same data as ``record.event`` (the name) and ``record.audit`` (a dict of the fields) for a
JSON formatter. The time is the log record's own timestamp. Fields name a user by id, a token
only by :func:`wxsession.core.tokens.fingerprint`, never the token, openid, unionid or session_key:
callers pass only such values, and the tests check the captured lines for secrets.

The use cases (:mod:`wxsession.services`) do not write lines: they emit typed events (an
:class:`Event` per outcome, :mod:`wxsession.services.events`), and :func:`record`, the audit
observer, writes each one as a line. The field order of an event class is the line's order.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any, ClassVar

logger = logging.getLogger("wxsession.audit")

CONSOLE_EVENTS = (
    "operator_added",
    "operator_removed",
    "operator_totp_reset",
    "operator_signed_in",
    "operator_sign_in_failed",
    "operator_signed_out",
    "operator_denied",
)
"""The console's own events (:mod:`wxsession.services.events_console`)."""

EVENTS = frozenset(
    {
        "login",
        "login_failed",
        "login_throttled",
        "wechat_data_throttled",
        "registered",
        "logout",
        "password_changed",
        "password_change_failed",
        "logout_all",
        "session_revoked",
        "sessions_revoked",
        "session_evicted",
        "user_disabled",
        "user_enabled",
        "user_deleted",
        "session_keys_resealed",
        "identity_bound",
        "identity_unbound",
        "bind_failed",
        "unbind_failed",
        "reauth_failed",
        "account_closed",
        "registration_refused",
        "password_reset",
        "password_reset_failed",
        "password_reset_notice_failed",
        "code_sent",
        "code_send_failed",
        "code_send_throttled",
        "code_failed",
        "captcha_required",
        "role_granted",
        "role_revoked",
        "role_defined",
        "role_deleted",
        *CONSOLE_EVENTS,
    }
)


@dataclass(frozen=True, slots=True)
class BySession:
    """Who acted: a user through one of their sessions, from ``ip`` (fields ``ip session``)."""

    ip: str | None
    session: str


@dataclass(frozen=True, slots=True)
class ByOperator:
    """Who acted: an operator's tool (field ``actor``)."""

    actor: str


Actor = BySession | ByOperator
"""An event field of this type is written as the actor's own fields, in its place."""

UNLOGGED = "unlogged"
"""Metadata key of an event field kept off the log line (the audit table still has it)."""


def unlogged() -> Any:
    """A field the audit table keeps but the line does not (a device label has spaces, which
    the line's ``key=value`` text cannot carry unambiguously); ``None`` by default."""
    return dataclasses.field(default=None, metadata={UNLOGGED: True})


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One outcome of a use case worth an audit line: the class names the line (``name``) and
    its level; its fields, in order, are the line's."""

    name: ClassVar[str]
    level: ClassVar[int] = logging.INFO

    def fields(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for name in _logged(type(self)):
            value = getattr(self, name)
            if isinstance(value, BySession | ByOperator):
                for part in _logged(type(value)):
                    out[part] = getattr(value, part)
            else:
                out[name] = value
        return out


_LOGGED: dict[type, tuple[str, ...]] = {}


def _logged(cls: type) -> tuple[str, ...]:
    """The names of the line's fields of dataclass ``cls``, in order (read once per class:
    every login's event goes through here)."""
    names = _LOGGED.get(cls)
    if names is None:
        fields = dataclasses.fields(cls)
        names = _LOGGED[cls] = tuple(f.name for f in fields if not f.metadata.get(UNLOGGED))
    return names


def record(happened: Event) -> None:
    """The audit observer: write ``happened`` as its line."""
    if logger.isEnabledFor(happened.level):  # a login must not pay for a line nobody keeps
        event(happened.name, level=happened.level, **happened.fields())


def event(name: str, *, level: int = logging.INFO, **fields: object) -> None:
    """Log audit event ``name`` with ``fields`` (values rendered with ``str``; ``None`` as -)."""
    if name not in EVENTS:
        raise ValueError(f"unknown audit event {name!r}")
    if not logger.isEnabledFor(level):  # a login must not pay for a line nobody keeps
        return
    text = " ".join(f"{key}={'-' if value is None else value}" for key, value in fields.items())
    logger.log(level, "%s %s", name, text, extra={"event": name, "audit": dict(fields)})
