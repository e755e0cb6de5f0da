"""Pick the session store a ``session_store`` setting names, and check it is fit to use."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.redis_topology import ensure_noeviction, is_redis_url
from wxsession.sessions.redis import RedisSessionStore
from wxsession.sessions.sql import SqlSessionStore
from wxsession.sessions.store import SessionStore

SETTING = "WXSESSION_SESSION_STORE"


async def open_store(
    session_store_setting: str, engine: AsyncEngine, *, redis_timeout: float = 1.0
) -> SessionStore:
    """``"sql"``: rows in the user database (``engine``); a Redis URL (one server, Cluster or
    Sentinel): that Redis with ``redis_timeout`` seconds per connect and per reply, after
    checking it will not evict keys (:class:`~wxsession.core.errors.ConfigurationError` if it
    would)."""
    if session_store_setting == "sql":
        return SqlSessionStore(engine)
    if is_redis_url(session_store_setting):
        store = RedisSessionStore.from_url(session_store_setting, timeout=redis_timeout)
        try:
            await ensure_noeviction(store.client, setting=SETTING)
        except BaseException:
            await store.close()
            raise
        return store
    raise ValueError(f"{SETTING} must be 'sql' or a Redis URL")
