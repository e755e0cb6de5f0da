"""Small builders of session records and store keys, shared by the store contract and the
session unit tests."""

from __future__ import annotations

import time
from typing import Any

from wxsession.core import tokens
from wxsession.core.record import SessionRecord

IDLE = 1800
MAX_AGE = 86400
ALICE, BOB, CAROL = "a" * 32, "b" * 32, "c" * 32
"""User ids of the shape the accounts module makes (32 hex), so tokens can name them."""
APP_ID = "wx5e1f0c3a9b7d2e46"


def make_record(
    user_id: str | None = ALICE, now: float | None = None, key: str | None = None, **fields: Any
) -> SessionRecord:
    """A realistic record, as the manager makes it: a pending one carries the identity's
    secrets (so round trips check them), a registered one only its provider and app."""
    now = time.time() if now is None else now
    values: dict[str, Any] = {
        "public_id": tokens.public_id(key if key is not None else new_key(user_id)[1]),
        "user_id": user_id,
        "provider": "wechat",
        "app_id": APP_ID,
        "subject": None,
        "union_id": None,
        "session_key": None,
        "created_at": now,
        "last_seen": now,
        "expires_at": now + IDLE,
        "absolute_expires_at": now + MAX_AGE,
        "user_agent": "iPhone 微信 8.0",
        "ip": "203.0.113.7",
    }
    if user_id is None:
        values.update(
            subject="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            union_id="o6_bmasdasdsad6_2sgVt7hMZOPfL",
            session_key="HyVFkGl5F5OQWJZZaNzBBg==",
        )
    values.update(fields)
    return SessionRecord(**values)


def new_key(user_id: str | None) -> tuple[str, str]:
    """A fresh token of ``user_id`` (``None``: pending) and the store key the manager uses."""
    token = tokens.new_token(user_id)
    return token, tokens.storage_key(token)


def new_session(
    user_id: str | None = ALICE, now: float | None = None, **fields: Any
) -> tuple[str, SessionRecord]:
    """A fresh store key and a record for it."""
    key = new_key(user_id)[1]
    return key, make_record(user_id, now, key, **fields)
