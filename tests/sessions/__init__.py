"""Session store tests: one contract run against every backend on a real server, plus what
each store does when its server is down. Small record builders shared by both live here."""

from __future__ import annotations

import time
from typing import Any

from wxsession import tokens
from wxsession.sessions.model import SessionRecord

IDLE = 1800
MAX_AGE = 86400


def make_record(
    user_id: str | None = "alice", now: float | None = None, **fields: Any
) -> SessionRecord:
    """A realistic record: every field set, secrets included, so round trips are checked."""
    now = time.time() if now is None else now
    values: dict[str, Any] = {
        "public_id": tokens.new_public_id(),
        "user_id": user_id,
        "provider": "wechat",
        "app_id": "wx5e1f0c3a9b7d2e46",
        "subject": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "union_id": "o6_bmasdasdsad6_2sgVt7hMZOPfL",
        "session_key": "HyVFkGl5F5OQWJZZaNzBBg==",
        "created_at": now,
        "last_seen": now,
        "expires_at": now + IDLE,
        "absolute_expires_at": now + MAX_AGE,
        "user_agent": "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50 微信",
        "ip": "203.0.113.7",
    }
    values.update(fields)
    return SessionRecord(**values)


def new_key() -> tuple[str, str]:
    """A fresh token and the store key the manager would use for it."""
    token = tokens.new_token()
    return token, tokens.storage_key(token)
