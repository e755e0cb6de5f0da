"""The SQL database: one async engine, the declarative base every table hangs on.

SQLite (aiosqlite) is the embedded default; PostgreSQL (asyncpg) is for production. SQLite
gets WAL and a busy timeout so concurrent writers wait instead of failing. PostgreSQL gets a
bounded pool and bounded waits (:func:`engine_for`): a database that stops answering turns
requests into 503s after seconds instead of holding them (and their connections) forever.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

if TYPE_CHECKING:
    from wxsession.settings import Settings


class Base(DeclarativeBase):
    """Metadata shared by all wxsession tables (users, identities, sessions)."""


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url`` with the settings each backend needs.

    ``hide_parameters``: SQLAlchemy puts statement parameters (openids among them) into its
    exception messages, which end up in error logs; with it, they never do.
    """
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        # aiosqlite logs every statement with its parameters at DEBUG, and parameters include
        # openids: keep that logger above DEBUG whatever the application's logging says.
        logging.getLogger("aiosqlite").setLevel(logging.INFO)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def engine_for(settings: Settings, *, migrations: bool = False) -> AsyncEngine:
    """The engine ``settings`` describe: pool size, overflow and waits (PostgreSQL only).

    ``migrations``: no per-statement limit, since a migration may rightly run long, or wait
    on the advisory lock while another instance migrates (:mod:`wxsession.migrate`).
    """
    if not settings.database_url.startswith("postgresql"):
        return create_engine(settings.database_url)
    connect_args: dict[str, Any] = {"timeout": settings.db_connect_timeout}
    if not migrations:
        connect_args["command_timeout"] = settings.db_command_timeout
    return create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        connect_args=connect_args,
    )


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[Any]:
    return async_sessionmaker(engine, expire_on_commit=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
