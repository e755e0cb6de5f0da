"""Build the throttles on the backend the session store uses."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.audit import Event
from wxsession.core.clock import Clock
from wxsession.sessions.redis import RedisSessionStore
from wxsession.sessions.store import SessionStore
from wxsession.settings import Settings
from wxsession.throttle.codes import CodeLoginThrottle
from wxsession.throttle.login import LoginThrottle
from wxsession.throttle.open_data import OpenDataThrottle
from wxsession.throttle.sql import SqlWindowStorage
from wxsession.throttle.storage import RedisWindowStorage, WindowStorage


def window_storage(store: SessionStore, engine: AsyncEngine, clock: Clock) -> WindowStorage:
    """Counters in the session store's Redis (keys ``{prefix}throttle:…``, on its client),
    or in the SQL database (stamped by ``clock``) when sessions live there."""
    if isinstance(store, RedisSessionStore):
        return RedisWindowStorage(store.client, key_prefix=f"{store.prefix}throttle")
    return SqlWindowStorage(engine, clock=clock)


def login_throttle(
    settings: Settings, store: SessionStore, engine: AsyncEngine, clock: Clock
) -> LoginThrottle:
    """Failed password logins and password changes (:mod:`wxsession.throttle.login`)."""
    return LoginThrottle(
        window_storage(store, engine, clock),
        per_account_ip=settings.login_attempts_per_account_ip,
        window=settings.login_attempt_window,
        per_account_hour=settings.login_attempts_per_account_hour,
    )


def open_data_throttle(
    settings: Settings,
    store: SessionStore,
    engine: AsyncEngine,
    clock: Clock,
    emit: Callable[[Event], None],
) -> OpenDataThrottle:
    """Failed open-data checks per user (:mod:`wxsession.throttle.open_data`); each refusal
    goes to ``emit`` (the audit observer)."""
    return OpenDataThrottle(
        window_storage(store, engine, clock),
        failures=settings.wechat_data_failures,
        window=settings.wechat_data_failure_window,
        emit=emit,
    )


def code_login_throttle(
    settings: Settings, store: SessionStore, engine: AsyncEngine, clock: Clock
) -> CodeLoginThrottle:
    """Login codes the platforms refused, per client network (:mod:`wxsession.throttle.codes`)."""
    return CodeLoginThrottle(
        window_storage(store, engine, clock),
        limit=settings.code_login_failures_per_ip,
        window=settings.code_login_failure_window,
    )
