"""Pick the session store a ``session_store`` setting names."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.sessions.redis import RedisSessionStore
from wxsession.sessions.sql import SqlSessionStore
from wxsession.sessions.store import SessionStore

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def open_store(session_store_setting: str, engine: AsyncEngine) -> SessionStore:
    """``"sql"``: rows in the user database (``engine``); a Redis URL: that Redis."""
    if session_store_setting == "sql":
        return SqlSessionStore(engine)
    if session_store_setting.startswith(REDIS_SCHEMES):
        return RedisSessionStore.from_url(session_store_setting)
    raise ValueError("session_store must be 'sql' or a redis://, rediss:// or unix:// URL")
