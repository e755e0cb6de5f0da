"""Audit events: one structured log line per security-relevant act.

Logger ``wxsession.audit``. Each line reads ``<event> key=value …`` in plain text, and carries
the same data as ``record.event`` (the name) and ``record.audit`` (a dict of the fields) for a
JSON formatter. The time is the log record's own timestamp. Fields name a user by id, a token
only by :func:`wxsession.core.tokens.fingerprint`, never the token, openid, unionid or session_key:
callers pass only such values, and the tests check the captured lines for secrets.
"""

from __future__ import annotations

import logging

logger = logging.getLogger("wxsession.audit")

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
    }
)


def event(name: str, *, level: int = logging.INFO, **fields: object) -> None:
    """Log audit event ``name`` with ``fields`` (values rendered with ``str``; ``None`` as -)."""
    if name not in EVENTS:
        raise ValueError(f"unknown audit event {name!r}")
    if not logger.isEnabledFor(level):  # a login must not pay for a line nobody keeps
        return
    text = " ".join(f"{key}={'-' if value is None else value}" for key, value in fields.items())
    logger.log(level, "%s %s", name, text, extra={"event": name, "audit": dict(fields)})
