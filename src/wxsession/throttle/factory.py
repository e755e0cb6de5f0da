"""Build the login throttle on the backend the session store uses."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.clock import Clock
from wxsession.sessions.redis import RedisSessionStore
from wxsession.sessions.store import SessionStore
from wxsession.settings import Settings
from wxsession.throttle.login import LoginThrottle
from wxsession.throttle.sql import SqlWindowStorage
from wxsession.throttle.storage import RedisWindowStorage, WindowStorage


def login_throttle(
    settings: Settings, store: SessionStore, engine: AsyncEngine, clock: Clock
) -> LoginThrottle:
    """Counters in the session store's Redis (keys ``{prefix}throttle:…``, on its client),
    or in the SQL database (stamped by ``clock``) when sessions live there."""
    storage: WindowStorage
    if isinstance(store, RedisSessionStore):
        storage = RedisWindowStorage(store.client, key_prefix=f"{store.prefix}throttle")
    else:
        storage = SqlWindowStorage(engine, clock=clock)
    return LoginThrottle(
        storage,
        per_account_ip=settings.login_attempts_per_account_ip,
        window=settings.login_attempt_window,
        per_account_hour=settings.login_attempts_per_account_hour,
    )
