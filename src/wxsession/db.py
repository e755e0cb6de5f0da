"""The SQL database: one async engine, the declarative base every table hangs on.

SQLite is the embedded default; PostgreSQL (asyncpg) is for production. SQLite gets WAL,
checkpoints off the committing connection, and connections of our own
(:mod:`wxsession.sqlite_async`: statements on the event loop while they cannot wait, on the
connection's thread when they would, one writer at a time per process) under SQLAlchemy's
``sqlite+aiosqlite`` dialect. PostgreSQL gets a bounded pool and
bounded waits (:func:`engine_for`): a database that stops answering turns requests into 503s
after seconds instead of holding them (and their connections) forever.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import QueuePool

from wxsession.core.errors import DatabaseUnavailable
from wxsession.sqlite_async import SqliteConnection, WriteTurns

SQLITE_BUSY_TIMEOUT = 30.0
"""Seconds a SQLite writer waits for another one (of this process or another) to commit."""

SQLITE_POOL_SIZE = 20
"""SQLite connections kept open: enough for the statements a busy worker has in flight, so
none is opened and closed per request (each is a thread and a file handle)."""


class Base(DeclarativeBase):
    """Metadata shared by all wxsession tables (users, identities, sessions)."""


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url`` with the settings each backend needs.

    ``hide_parameters``: SQLAlchemy puts statement parameters (openids among them) into its
    exception messages, which end up in error logs; with it, they never do.
    """
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        parsed = make_url(url)
        connect = _sqlite_connect(parsed)
        turns = WriteTurns()

        async def open_connection() -> SqliteConnection:
            return await SqliteConnection(connect, turns, SQLITE_BUSY_TIMEOUT).open()

        if issubclass(SQLiteDialect_aiosqlite.get_pool_class(parsed), QueuePool):  # a file
            kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
            kwargs.setdefault("max_overflow", 0)
        engine = create_async_engine(url, async_creator=open_connection, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "checkout", _refuse_closed)
    return engine


class DatabaseSettings(Protocol):
    """What :func:`engine_for` reads of :class:`~wxsession.settings.Settings`."""

    @property
    def database_url(self) -> str: ...
    @property
    def db_connect_timeout(self) -> float: ...
    @property
    def db_command_timeout(self) -> float: ...
    @property
    def db_pool_size(self) -> int: ...
    @property
    def db_max_overflow(self) -> int: ...
    @property
    def db_pool_timeout(self) -> float: ...


def engine_for(settings: DatabaseSettings, *, migrations: bool = False) -> AsyncEngine:
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


def _refuse_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Hand out no pooled PostgreSQL connection the server has already hung up on.

    After a restart of the database, every pooled connection is dead; asyncpg sees the server
    close it and marks it closed. Raising :class:`DisconnectionError` here makes the pool drop
    it and take another, or open a new one. This is ``pool_pre_ping`` without its round trips:
    SQLAlchemy's asyncpg ping is three (BEGIN, a no-op, ROLLBACK) on every checkout, about a
    sixth of a login's CPU (issue 8). A connection broken without a word (no FIN) is caught
    by ``command_timeout`` instead, and SQLAlchemy then discards the pool's older connections.
    """
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError()


def sqlite_connector(url: URL) -> Callable[[], sqlite3.Connection] | None:
    """What opens another connection to the SQLite *file* at ``url`` (``None`` for another
    database, or an in-memory SQLite, which no other connection sees), busy timeout 0."""
    if url.get_backend_name() != "sqlite":
        return None
    if not issubclass(SQLiteDialect_aiosqlite.get_pool_class(url), QueuePool):
        return None
    return _sqlite_connect(url)


def _sqlite_connect(url: URL) -> Callable[[], sqlite3.Connection]:
    """A sqlite3 connection as SQLAlchemy's dialect reads ``url`` (path, URI, options), used
    from the event loop and its own thread alike (one at a time). Its busy timeout is 0:
    nothing waits for a lock on the loop; the engine's connections wait on their thread
    (:mod:`wxsession.sqlite_async`), the cache's ``data_version`` check never waits."""
    found_args, found_options = SQLiteDialect_aiosqlite().create_connect_args(url)
    args: list[Any] = list(found_args)
    options: dict[str, Any] = {
        **found_options,
        "timeout": 0,
        "check_same_thread": False,
    }
    return lambda: sqlite3.connect(*args, **options)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL, whose commits do not sync (``synchronous=NORMAL``), and no checkpoint by the
    committing connection: the engine checkpoints on a thread (:mod:`wxsession.sqlite_async`)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@contextmanager
def database_faults() -> Iterator[None]:
    """A database that cannot be reached or does not answer is a 503
    (:class:`~wxsession.core.errors.DatabaseUnavailable`); a unique key refusing a write is the
    caller's to handle."""
    try:
        yield
    except IntegrityError:
        raise
    except (OperationalError, DBAPIError, OSError, TimeoutError) as exc:
        raise DatabaseUnavailable() from exc
