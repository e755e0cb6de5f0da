"""SQLite connections for SQLAlchemy's async engine: one worker thread each, one hand-off per
statement, and one writer at a time per engine.

SQLAlchemy's ``sqlite+aiosqlite`` dialect wraps whatever ``async_creator`` returns with the
driver API it uses of aiosqlite (``cursor()`` with awaitable ``execute``/``fetchall``/
``close``, ``commit``, ``rollback``, ``close``, ``stop``, ``create_function``); this module
provides it over :mod:`sqlite3` and a single-thread :class:`~concurrent.futures.ThreadPoolExecutor`,
both documented standard library, so no library's internals are relied on (an aiosqlite
subclass did, pinned below 0.23). Why not aiosqlite's own connection: it makes every cursor
call a round trip to its thread, four per statement under SQLAlchemy, each waking the
thread and then the event loop (issue 8); here a statement and its rows are one.

One writer at a time: SQLite lets one connection write at once and makes the others wait in
its busy handler, which *sleeps* (1, 2, 5, 10 ... 100 ms) between tries; with a pool of
connections in one process, concurrent logins spent most of their p99 asleep (issue 25).
A connection about to write (any statement but a ``SELECT``, outside a transaction) first
takes the engine's :class:`asyncio.Lock`, held until its commit or rollback: writers of one
process queue on the event loop and start the moment the previous one commits. Writers in
other processes still meet SQLite's busy timeout. The lock is bounded by the same timeout,
so a coroutine that (wrongly) writes on a second connection inside a write transaction gets
"database is locked", as SQLite itself would answer it, not a hang.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

T = TypeVar("T")

THREAD_NAME = "wxsession-sqlite"
"""Prefix of the connections' thread names (the start-up tests count them)."""

_Done = tuple[Any, int, int | None, list[Any]]
"""A statement's outcome: cursor description, row count, last row id, rows."""


class WriteTurns:
    """The writers' lock of one engine, one per event loop (an engine outlives a loop in
    tests, and an :class:`asyncio.Lock` belongs to the loop it first waited on)."""

    def __init__(self) -> None:
        self._locks: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            WeakKeyDictionary()
        )

    def lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock


class SqliteConnection:
    """A sqlite3 connection driven from the event loop: the async driver API SQLAlchemy's
    aiosqlite dialect wraps. Open it with ``await SqliteConnection(...).open()``."""

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        turns: WriteTurns,
        write_timeout: float,
    ) -> None:
        self._connect = connect
        self._turns = turns
        self._write_timeout = write_timeout
        self._writing: asyncio.Lock | None = None
        """The writers' lock while this connection holds it."""
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME)
        self._connection: sqlite3.Connection | None = None
        """The open connection; ``None`` once closed (SQLAlchemy's adapter checks it before
        a commit or rollback, as it does with aiosqlite's)."""

    async def open(self) -> SqliteConnection:
        """Open the file on the connection's thread; on failure, end that thread before the
        error leaves, so no thread outlives a start-up that gives up (:mod:`wxsession.startup`)."""
        try:
            self._connection = await self._call(self._connect)
        except BaseException:
            await asyncio.to_thread(self._executor.shutdown)
            raise
        return self

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> SqliteCursor:
        return SqliteCursor(self)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        await self._call(self._conn.create_function, *args, **kwargs)

    async def commit(self) -> None:
        try:
            if self._in_transaction():
                await self._call(self._conn.commit)
        finally:
            self._release()

    async def rollback(self) -> None:
        try:
            if self._in_transaction():
                await self._call(self._conn.rollback)
        finally:
            self._release()

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        try:
            if connection is not None:
                await self._call(connection.close)
        finally:
            self._release()
            await asyncio.to_thread(self._executor.shutdown)

    def stop(self) -> None:
        """Close without waiting (SQLAlchemy's terminate): the thread ends after it."""
        connection, self._connection = self._connection, None
        if connection is not None:
            self._executor.submit(connection.close)
        self._executor.shutdown(wait=False)
        self._release()

    async def run(self, sql: str, parameters: Any, *, many: bool) -> _Done:
        """One statement on the connection's thread: its description, counts and rows."""
        if self._writing is None and not _reads_only(sql):
            await self._acquire()
        return await self._call(_run, self._conn, sql, parameters, many=many)

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        return self._connection

    def _in_transaction(self) -> bool:
        # Read between statements, when nothing runs on the connection's thread.
        return self._connection is not None and self._connection.in_transaction

    async def _call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(function, *args, **kwargs))

    async def _acquire(self) -> None:
        lock = self._turns.lock()
        if lock.locked():
            try:
                await asyncio.wait_for(lock.acquire(), self._write_timeout)
            except TimeoutError:
                raise sqlite3.OperationalError("database is locked") from None
        else:
            await lock.acquire()
        self._writing = lock

    def _release(self) -> None:
        lock, self._writing = self._writing, None
        if lock is not None:
            lock.release()


class SqliteCursor:
    """The cursor API SQLAlchemy uses: ``execute`` runs the statement and fetches every row
    in one hand-off (SQLAlchemy fetches them all anyway); the rest reads what came back."""

    def __init__(self, connection: SqliteConnection) -> None:
        self._connection = connection
        self._rows: list[Any] = []
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def __aenter__(self) -> SqliteCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = ()) -> SqliteCursor:
        done = await self._connection.run(sql, parameters, many=False)
        self.description, self.rowcount, self.lastrowid, self._rows = done
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> SqliteCursor:
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


def _reads_only(sql: str) -> bool:
    """A statement that takes no writer's turn: a ``SELECT``, or a ``PRAGMA`` (a connection's
    set-up, which must not wait behind a writer; SQLite's busy timeout covers the rare one
    that writes, switching a new file to WAL)."""
    return sql.lstrip()[:6].upper() in ("SELECT", "PRAGMA")


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
