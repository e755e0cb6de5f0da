"""The SQL database: one async engine, the declarative base every table hangs on.

SQLite (aiosqlite) is the embedded default; PostgreSQL (asyncpg) is for production. SQLite
gets WAL and a busy timeout so concurrent writers wait instead of failing, and one thread
hand-off per statement (:class:`OneHopConnection`). PostgreSQL gets a bounded pool and
bounded waits (:func:`engine_for`): a database that stops answering turns requests into 503s
after seconds instead of holding them (and their connections) forever.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import aiosqlite
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import QueuePool

from wxsession.core.errors import DatabaseUnavailable

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
        # aiosqlite logs every statement with its parameters at DEBUG, and parameters include
        # openids: keep that logger above DEBUG whatever the application's logging says.
        logging.getLogger("aiosqlite").setLevel(logging.INFO)
        parsed = make_url(url)
        found_args, found_options = SQLiteDialect_aiosqlite().create_connect_args(parsed)
        args: list[Any] = list(found_args)
        options: dict[str, Any] = {**found_options, "timeout": 30}

        def connect() -> OneHopConnection:
            connection = OneHopConnection(lambda: sqlite3.connect(*args, **options), 64)
            connection._thread.daemon = True  # as SQLAlchemy sets it for aiosqlite's own
            return connection

        if issubclass(SQLiteDialect_aiosqlite.get_pool_class(parsed), QueuePool):  # a file
            kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
            kwargs.setdefault("max_overflow", 0)
        engine = create_async_engine(url, async_creator=connect, **kwargs)
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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class OneHopConnection(aiosqlite.Connection):
    """An aiosqlite connection that costs SQLAlchemy one hand-off to its thread per statement.

    aiosqlite makes every cursor call a round trip to the connection's thread, and SQLAlchemy
    makes four per statement (open the cursor, execute, fetch, close): each wakes the thread
    and then the event loop, most of the CPU of a SQL statement here (issue 8). Its cursors
    run the statement and fetch every row in one trip (SQLAlchemy fetches them all anyway),
    and commit and rollback skip the trip when no transaction is open (after a read, or the
    pool's rollback after a commit).
    """

    def cursor(self) -> OneHopCursor:  # type: ignore[override]
        return OneHopCursor(self)

    async def _connect(self) -> OneHopConnection:
        """Open the file; on failure, wait for the connection's thread to end.

        aiosqlite stops the thread after a failed open without waiting for it, and the thread
        then answers on the event loop: if ``asyncio.run`` has closed the loop by then (a
        start-up that gives up on an unopenable file), the thread prints a traceback after
        the one-line error (:mod:`wxsession.startup`).
        """
        try:
            await super()._connect()
        except BaseException:
            await asyncio.to_thread(self._thread.join)
            raise
        return self

    async def commit(self) -> None:
        if self._in_transaction():
            await super().commit()

    async def rollback(self) -> None:
        if self._in_transaction():
            await super().rollback()

    async def run(self, sql: str, parameters: Any, *, many: bool) -> _Done:
        """One statement on the connection's thread: its description, counts and rows."""
        execute: Callable[..., Awaitable[_Done]] = self._execute
        return await execute(_run, self._conn, sql, parameters, many=many)

    def _in_transaction(self) -> bool:
        # Read on the loop's thread between statements: nothing runs on the connection then.
        return self._connection is None or self._connection.in_transaction


class OneHopCursor:
    """The aiosqlite cursor API SQLAlchemy uses, one thread hand-off per ``execute``."""

    def __init__(self, connection: OneHopConnection) -> None:
        self._connection = connection
        self._rows: list[Any] = []
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def __aenter__(self) -> OneHopCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = ()) -> OneHopCursor:
        done = await self._connection.run(sql, parameters, many=False)
        self.description, self.rowcount, self.lastrowid, self._rows = done
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> OneHopCursor:
        done = await self._connection.run(sql, parameters, many=True)
        self.description, self.rowcount, self.lastrowid, self._rows = done
        return self

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        count = self.arraysize if size is None else size
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def fetchall(self) -> Sequence[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def close(self) -> None:
        self._rows = []


_Done = tuple[Any, int, int | None, list[Any]]
"""A statement's outcome: cursor description, row count, last row id, rows."""


def _run(conn: sqlite3.Connection, sql: str, parameters: Any, *, many: bool) -> _Done:
    """On the connection's thread: the statement, then every row it returns."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
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
