"""``audit_events`` (migration 0010) and how a typed audit event becomes one of its rows.

A row keeps the columns every reader filters or groups by (event, user, actor, IP, device,
request id, outcome, reason) and ``details``: the event's other fields, but only those named
in :data:`DETAIL_FIELDS`. An allow-list, not a deny-list: a field added to an event later is
left out of the table until someone decides it is safe to keep, so a secret cannot slip in by
being new. The log line (:func:`wxsession.audit.record`) is unchanged by any of this.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Float, Index, Integer, String, Table

from wxsession.audit import Event
from wxsession.db import Base

audit_events_table = Table(
    "audit_events",
    Base.metadata,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("at", Float, nullable=False),
    Column("minute", Integer, nullable=False),
    Column("event", String(40), nullable=False),
    Column("user_id", String(32), nullable=True),
    Column("actor", String(64), nullable=True),
    Column("ip", String(45), nullable=True),
    Column("device", String(32), nullable=True),
    Column("request_id", String(128), nullable=True),
    Column("outcome", String(16), nullable=False),
    Column("reason", String(64), nullable=True),
    Column("details", JSON, nullable=False),
    Index("ix_audit_events_user_at", "user_id", "at"),
    Index("ix_audit_events_at", "at"),
)

SUCCESS = "success"
FAILURE = "failure"
THROTTLED = "throttled"
THROTTLED_REASON = "RATE_LIMITED"
SELF = "user"
"""The actor of an act the user did themselves (an operator's act names the operator)."""

COLUMN_FIELDS = frozenset({"user", "actor", "ip", "reason", "device"})
"""Event fields that have a column of their own."""

DETAIL_FIELDS = frozenset(
    {
        "provider",  # a platform's name
        "app",  # an appid: public
        "registered",
        "via",
        "session",  # token fingerprints (core/tokens.py), as in the log line
        "replaced",
        "presented",
        "public_id",  # a session's public id (a hash of its storage key)
        "ended",
        "limit",
        "retry_after",
        "account",  # a throttled account's key digest, never the name typed
        "proof",  # the kind of a reauth proof ("password", a platform), never the proof
        "key_id",
        "moved",
        "unreadable",
        "kind",  # a verification code's channel (services/events_codes.py: phone, email)
        "purpose",
        "address",  # a keyed fingerprint of a phone or mailbox, never the address
        "scope",
        "failed",
        "role",  # a role's name, and what it grants (services/events_roles.py)
        "permissions",
        "holders",
        "operator",  # console: the operator name an act was about (never a password or TOTP)
        "permission",  # console: the permission an operator was refused
    }
)
"""Event fields kept in ``details``; any other field is not written to the table."""


def outcome_of(happened: Event, fields: dict[str, object]) -> str:
    """``throttled`` for a refusal by a limit (it says when to retry), ``failure`` for
    another warning, else ``success``."""
    if "retry_after" in fields:
        return THROTTLED
    return FAILURE if happened.level >= logging.WARNING else SUCCESS


def row_of(happened: Event, at: float, request_id: str | None) -> dict[str, Any]:
    """The table row of ``happened``, which occurred at ``at`` during request ``request_id``.
    Texts are cut to their column's size: one odd value (a peer that is not an IP address, a
    long operator name) must not make a batch fail on every retry."""
    fields = happened.fields()
    outcome = outcome_of(happened, fields)
    reason = fields.get("reason")
    if reason is None and outcome == THROTTLED:
        reason = THROTTLED_REASON
    user = fields.get("user")
    actor = fields.get("actor")
    if actor is None and user is not None:
        actor = SELF
    texts = {
        "event": happened.name,
        "user_id": user,
        "actor": actor,
        "ip": fields.get("ip"),
        "device": getattr(happened, "device", None),
        "request_id": request_id,
        "reason": reason,
    }
    row: dict[str, Any] = {
        column: None if value is None else str(value)[: _SIZES[column]]
        for column, value in texts.items()
    }
    row["at"] = at
    row["minute"] = int(at // 60)
    row["outcome"] = outcome
    row["details"] = {k: v for k, v in fields.items() if k in DETAIL_FIELDS and v is not None}
    return row


_SIZES: dict[str, int] = {
    column.name: column.type.length
    for column in audit_events_table.columns
    if isinstance(column.type, String) and column.type.length is not None
}
