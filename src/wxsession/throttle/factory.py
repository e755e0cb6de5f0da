"""Build the throttles on the backend the session store uses."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.audit import Event
from wxsession.core.clock import Clock
from wxsession.sessions.redis import RedisSessionStore
from wxsession.sessions.store import SessionStore
from wxsession.settings import Settings
from wxsession.throttle.code_sends import CodeSendLimits, SendPolicy
from wxsession.throttle.codes import CodeLoginThrottle
from wxsession.throttle.login import LoginThrottle
from wxsession.throttle.one_time import OneTimeStore, SqlOneTimeStore
from wxsession.throttle.one_time_redis import RedisOneTimeStore
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


def one_time_store(store: SessionStore, engine: AsyncEngine) -> OneTimeStore:
    """Verification codes and CAPTCHA answers (:mod:`wxsession.throttle.one_time`) in the
    session store's Redis (keys ``{prefix}otp:…``), or in SQL when sessions live there."""
    if isinstance(store, RedisSessionStore):
        return RedisOneTimeStore(store.client, prefix=store.prefix)
    return SqlOneTimeStore(engine)


def code_send_limits(
    settings: Settings, store: SessionStore, engine: AsyncEngine, clock: Clock
) -> CodeSendLimits:
    """Sends of verification codes (:mod:`wxsession.throttle.code_sends`)."""
    policy = SendPolicy(
        interval=settings.code_send_interval,
        per_day=settings.code_sends_per_address_day,
        per_ip=settings.code_sends_per_ip,
        ip_window=settings.code_send_ip_window,
        per_minute=settings.code_sends_per_minute,
        captcha_after=settings.code_captcha_after,
        captcha_window=settings.code_captcha_window,
        challenges_per_minute=settings.captcha_challenges_per_ip,
    )
    return CodeSendLimits(window_storage(store, engine, clock), policy)
