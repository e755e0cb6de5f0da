"""The composition root: builds every part from Settings once, and closes them in order.

``Runtime.open`` is what ``create_app``'s lifespan uses, and what a user's own app uses to
get wxsession's services without our HTTP routes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession import audit, migrate
from wxsession.accounts.operator_store import OperatorStore
from wxsession.accounts.passwords import PasswordHasher
from wxsession.accounts.repository import AccountRepository
from wxsession.audit_log.writer import AuditWriter
from wxsession.carriers import CarrierChain
from wxsession.core.clock import Clock, system_clock
from wxsession.data_keys import DataKeys
from wxsession.db import engine_for
from wxsession.metrics import Metrics
from wxsession.platforms.backoff import Backoff
from wxsession.platforms.registry import build_providers, build_web_logins
from wxsession.platforms.wechat.access_token import SqlTokenCache
from wxsession.platforms.wechat.client import make_http_client
from wxsession.platforms.wechat.mini_program import MiniProgram
from wxsession.services import Services
from wxsession.services.audit_trail import AuditTrail
from wxsession.services.captcha import CaptchaVerifier
from wxsession.services.code_setup import build_codes, configured_senders
from wxsession.services.operator_accounts import OperatorAccounts
from wxsession.services.web_login import WebLogins
from wxsession.sessions.cache import Announcer, SessionCache
from wxsession.sessions.ended import SqlRevocations
from wxsession.sessions.factory import open_store
from wxsession.sessions.invalidation import cache_for
from wxsession.sessions.manager import SessionManager
from wxsession.sessions.revocation import RevocationCache
from wxsession.sessions.sql import SqlSessionStore
from wxsession.sessions.sql_feed import sql_cache_for
from wxsession.sessions.store import SessionStore
from wxsession.settings import Settings
from wxsession.throttle.factory import (
    code_login_throttle,
    login_throttle,
    open_data_throttle,
    window_storage,
)
from wxsession.throttle.open_data import OpenDataThrottle

if TYPE_CHECKING:
    from wxsession.emulator import Emulator

log = logging.getLogger("wxsession")


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    store: SessionStore
    sessions: SessionManager
    accounts: AccountRepository
    services: Services
    carriers: CarrierChain
    http: httpx.AsyncClient
    open_data_throttle: OpenDataThrottle
    metrics: Metrics = field(default_factory=Metrics)
    mini_programs: Mapping[str, MiniProgram] = field(default_factory=dict)
    """The service's own mini programs by appid (one unless ``WXSESSION_WECHAT_APPS`` lists
    several): the WeChat client and access token a session's app uses."""
    web_logins: WebLogins | None = None
    """The browser logins; ``None`` without the cookie carrier, which they sign in with."""
    operator_accounts: OperatorAccounts | None = None
    """The console's operators (``None`` unless ``WXSESSION_CONSOLE``)."""

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        settings: Settings,
        *,
        clock: Clock = system_clock,
        emulator: Emulator | None = None,
        password_hasher: PasswordHasher | None = None,
        captcha: CaptchaVerifier | None = None,
    ) -> AsyncIterator[Runtime]:
        """Open engine, store and HTTP client; in dev mode WeChat is ``emulator``, in-process.

        ``password_hasher`` replaces the one built from settings (tests count its work);
        ``captcha`` the built-in image CAPTCHA of verification codes (a hosted one)."""
        metrics = Metrics()  # per runtime: apps in one process never share a registry
        async with (
            open_storage(settings, clock=clock, metrics=metrics) as storage,
            AsyncExitStack() as stack,
        ):
            engine, store, accounts, sessions, audit_writer = storage
            emit = audit_writer.observing(audit.record)  # the log line, then the table
            reveal = None
            if settings.dev_mode:
                from wxsession import dev_mode  # only here: production never loads the emulator

                emulator = emulator or dev_mode.dev_emulator()
                transport = dev_mode.emulator_transport(emulator)
                http = make_http_client(settings.wechat_timeout, transport=transport)
                base_url = dev_mode.EMULATOR_BASE_URL
                messaging = await stack.enter_async_context(
                    dev_mode.dev_messaging(emulator, http, clock)
                )
                senders, reveal = messaging.senders, messaging.reveal
            else:
                http = make_http_client(settings.wechat_timeout)
                base_url = settings.wechat_api_base
                senders = configured_senders(settings, http, clock)
            tokens = SqlTokenCache(engine)
            programs = {
                app.appid: MiniProgram.build(
                    replace(app, base_url=base_url),
                    http,
                    tokens,
                    metrics=metrics,
                    token_endpoint=settings.wechat_token_endpoint,
                    timeout=settings.wechat_timeout,
                    clock=clock,
                )
                for app in settings.own_apps()
            }
            backoff = partial(
                Backoff,
                settings.platform_backoff_seconds,
                ceiling=settings.platform_backoff_max_seconds,
                clock=clock,
            )
            providers = build_providers(
                settings,
                http,
                {appid: program.provider for appid, program in programs.items()},
                emulator_url=base_url if settings.dev_mode else None,
                backoff=backoff,
            )
            hasher = password_hasher or PasswordHasher(
                concurrency=settings.password_hash_concurrency
            )
            services = Services.build(
                providers,
                accounts,
                sessions,
                registration=settings.registration,
                registration_allow=settings.registration_allow,
                metrics=metrics,
                hasher=hasher,
                throttle=login_throttle(settings, store, engine, clock),
                code_throttle=code_login_throttle(settings, store, engine, clock),
                codes=build_codes(
                    settings,
                    store,
                    engine,
                    clock,
                    senders=senders,
                    reveal=reveal,
                    emit=emit,
                    captcha=captcha,
                ),
                trail=AuditTrail(engine, audit_writer, clock),
                emit=emit,
            )
            carriers = CarrierChain.from_settings(settings)
            web_logins = None
            if carriers.cookie is not None:
                web_logins = WebLogins(
                    build_web_logins(settings, dev=settings.dev_mode),
                    services.login,
                    accounts.keys,
                    window_storage(store, engine, clock),
                    lifetime=settings.web_login_seconds,
                    clock=clock,
                )
            try:
                yield cls(
                    settings=settings,
                    engine=engine,
                    store=store,
                    sessions=sessions,
                    accounts=accounts,
                    services=services,
                    carriers=carriers,
                    http=http,
                    open_data_throttle=open_data_throttle(settings, store, engine, clock, emit),
                    metrics=metrics,
                    mini_programs=programs,
                    web_logins=web_logins,
                    operator_accounts=(
                        operator_accounts(settings, storage, hasher, clock)
                        if settings.console
                        else None
                    ),
                )
            finally:
                await http.aclose()


def operator_accounts(
    settings: Settings, storage: Storage, hasher: PasswordHasher, clock: Clock
) -> OperatorAccounts:
    """The console's operator accounts (the service's, and ``wxsession admin operator``'s)."""
    return OperatorAccounts(
        OperatorStore(storage.engine),
        hasher,
        storage.accounts.keys,
        login_throttle(settings, storage.store, storage.engine, clock),
        storage.audit.observing(audit.record),
        issuer=settings.console_totp_issuer,
        idle=settings.console_idle_seconds,
        max_age=settings.console_max_age_seconds,
        clock=clock,
    )


class Storage(NamedTuple):
    """The stateful half of wxsession: database, session store, and the rules over them."""

    engine: AsyncEngine
    store: SessionStore
    accounts: AccountRepository
    sessions: SessionManager
    audit: AuditWriter
    """Writes the audit table; its :meth:`~AuditWriter.observing` is the services' observer."""


@asynccontextmanager
async def open_storage(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    metrics: Metrics | None = None,
    revocation_cache_seconds: float | None = None,
) -> AsyncIterator[Storage]:
    """Open the database (migrated when ``auto_migrate``) and the session store; close both.
    A database that cannot be reached or opened for the migration is a
    :class:`~wxsession.startup.StartupError`.

    The service and the admin CLI share it; the CLI passes ``revocation_cache_seconds=0`` so
    it always reads the revocation point fresh.
    """
    engine = engine_for(settings)
    try:
        if settings.auto_migrate:
            await migrate.upgrade_database(settings)
        store = await open_store(
            settings.session_store, engine, redis_timeout=settings.redis_timeout
        )
        try:
            size, max_age = settings.session_cache_size, settings.session_cache_seconds
            hot: AbstractAsyncContextManager[tuple[SessionCache | None, Announcer | None]] = (
                sql_cache_for(engine, size=size, max_age=max_age)
                if isinstance(store, SqlSessionStore)
                else cache_for(store, settings.session_store, size=size, max_age=max_age)
            )
            async with hot as (cache, invalidations):
                accounts = AccountRepository(
                    engine,
                    keys=DataKeys.from_setting(settings.data_keys),
                    unionid_merge=settings.unionid_merge,
                    roles=settings.configured_roles(),
                )
                cache_seconds = (
                    settings.revocation_cache_seconds
                    if revocation_cache_seconds is None
                    else revocation_cache_seconds
                )
                sessions = SessionManager(
                    store,
                    idle_ttl=settings.session_ttl,
                    max_age=settings.session_max_age,
                    touch_interval=settings.session_touch_interval,
                    clock=clock,
                    metrics=metrics,
                    max_sessions=settings.max_sessions_per_user,
                    revocations=RevocationCache(
                        SqlRevocations(engine, accounts), ttl=cache_seconds, clock=clock
                    ),
                    cache=cache,
                    invalidations=invalidations,
                )
                writer = AuditWriter(
                    engine,
                    retention_days=settings.audit_retention_days,
                    flush_seconds=settings.audit_flush_seconds,
                    capacity=settings.audit_queue_size,
                    clock=clock,
                    metrics=metrics,
                )
                async with writer.running():
                    yield Storage(engine, store, accounts, sessions, writer)
        finally:
            await store.close()
    finally:
        await engine.dispose()
