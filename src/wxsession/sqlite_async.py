"""SQLite connections for SQLAlchemy's async engine: statements run on the event loop while they
cannot wait, on the connection's own thread when they would; one writer at a time per engine.

SQLAlchemy's ``sqlite+aiosqlite`` dialect wraps whatever ``async_creator`` returns with the
driver API it uses of aiosqlite (``cursor()`` with awaitable ``execute``/``fetchall``/
``close``, ``commit``, ``rollback``, ``close``, ``stop``, ``create_function``); this module
provides it over :mod:`sqlite3` and a single-thread :class:`~concurrent.futures.ThreadPoolExecutor`,
both documented standard library, so no library's internals are relied on (an aiosqlite
subclass did, pinned below 0.23).

Where a statement runs (issue 25). Handing every statement to a thread cost a login more CPU
than PostgreSQL's whole round trip: ``sqlite3`` releases the GIL around each step, so a
statement on another thread is several GIL hand-overs with the busy event loop, 24 context
switches a login, and SQLite-user logins ran at 54-58 % of PostgreSQL-user ones. A point
lookup or a one-row write is tens of microseconds of SQLite's own work, cheaper than one hand-
off, so a statement runs on the loop, under three guards that keep the loop from ever
waiting on it:

- **No lock waits.** The connection's busy timeout is 0: a statement that meets another
  connection's lock (another process writing, SQLite's rare recovery) fails at once with
  ``SQLITE_BUSY`` and runs again on the connection's thread, where the busy timeout is the
  full :data:`~wxsession.db.SQLITE_BUSY_TIMEOUT`.
- **No long statements.** A statement on the loop may take :data:`STEP_BUDGET` steps of
  SQLite's virtual machine (0.4 ms on the bench machine; a login's lookup takes 29 steps,
  ``bench/sqlite_steps.py``); a progress handler interrupts it beyond,
  and it runs again on the thread without the limit. Only statements that can be run again
  are run on the loop: reads, and a write that begins its transaction (SQLite rolls that
  transaction back whole when it is interrupted). Every later write of a transaction, and
  the commit of a transaction that used the thread, runs on the thread.
- **No disk syncs.** With WAL and ``synchronous=NORMAL`` a commit appends to the WAL and does
  not sync; only a checkpoint syncs, and SQLite's automatic checkpoint (run by the committing
  connection) is off (``wal_autocheckpoint=0``, :mod:`wxsession.db`). The engine checkpoints
  on a connection's thread instead, at most every :data:`CHECKPOINT_EVERY` seconds after a
  commit (``PRAGMA wal_checkpoint(PASSIVE)``, which waits for nobody).

What stays on the loop is reading and writing pages through the OS page cache: memory copies
for a database that fits in memory, which is the size this embedded default is for
(docs/deployment.md says when to move to PostgreSQL). Opening and closing a connection (the
last close checkpoints) always run on its thread.

One writer at a time: SQLite lets one connection write at once. A connection about to write
(any statement but a ``SELECT`` or ``PRAGMA``, outside a transaction) first takes the
engine's :class:`asyncio.Lock`, held until its commit or rollback: writers of one process
queue on the event loop and start the moment the previous one commits. Writers in other
processes meet ``SQLITE_BUSY`` and wait on the thread. The lock is bounded by the same
timeout, so a coroutine that (wrongly) writes on a second connection inside a write
transaction gets "database is locked", as SQLite itself would answer it, not a hang.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

T = TypeVar("T")

logger = logging.getLogger(__name__)

THREAD_NAME = "wxsession-sqlite"
"""Prefix of the connections' thread names (the start-up tests count them)."""

STEP_BUDGET = 20_000
"""Virtual-machine steps a statement may take on the event loop before it is interrupted and
run on its connection's thread: ~700 times a login's lookup, 0.4 ms (``bench/sqlite_steps.py``)."""

CHECKPOINT_EVERY = 1.0
"""Seconds between the engine's WAL checkpoints, each after a commit (none without one)."""

_Done = tuple[Any, int, int | None, list[Any]]
"""A statement's outcome: cursor description, row count, last row id, rows."""


class WriteTurns:
    """What the connections of one engine share: the writers' lock, one per event loop (an
    engine outlives a loop in tests, and an :class:`asyncio.Lock` belongs to the loop it first
    waited on), and when the WAL was last checkpointed."""

    def __init__(self) -> None:
        self._locks: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            WeakKeyDictionary()
        )
        self._checkpointed = time.monotonic()

    def lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    def checkpoint_due(self) -> bool:
        """Whether the commit just made should be followed by a checkpoint (and it is taken)."""
        now = time.monotonic()
        if now - self._checkpointed < CHECKPOINT_EVERY:
            return False
        self._checkpointed = now
        return True


class SqliteConnection:
    """A sqlite3 connection driven from the event loop: the async driver API SQLAlchemy's
    aiosqlite dialect wraps. Open it with ``await SqliteConnection(...).open()``; ``connect``
    must open it with a busy timeout of 0 (``timeout=0``)."""

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
        self._threaded = False
        """Whether a statement of the open transaction ran on the thread: its end does too."""
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME)
        self._connection: sqlite3.Connection | None = None
        """The open connection; ``None`` once closed (SQLAlchemy's adapter checks it before
        a commit or rollback, as it does with aiosqlite's)."""

    async def open(self) -> SqliteConnection:
        """Open the file on the connection's thread; on failure, end that thread before the
        error leaves, so no thread outlives a start-up that gives up (:mod:`wxsession.startup`)."""
        try:
            connection = await self._on_thread(self._connect)
        except BaseException:
            await asyncio.to_thread(self._executor.shutdown)
            raise
        connection.set_progress_handler(_over_budget, STEP_BUDGET)
        self._connection = connection
        return self

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> SqliteCursor:
        return SqliteCursor(self)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def commit(self) -> None:
        committed = False
        try:
            if self._in_transaction():
                await self._end(self._conn.commit)
                committed = True
        finally:
            self._release()
        if committed and self._turns.checkpoint_due():
            await self._checkpoint()

    async def rollback(self) -> None:
        try:
            if self._in_transaction():
                await self._end(self._conn.rollback)
        finally:
            self._release()

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        try:
            if connection is not None:
                await self._on_thread(connection.close)
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
        """One statement: its description, counts and rows; on the loop if it can be run
        again on the thread, and run there when it meets a lock or outgrows its budget."""
        reads = _reads_only(sql)
        if self._writing is None and not reads:
            await self._acquire()
        conn = self._conn
        opens = not conn.in_transaction
        if reads or opens:
            try:
                return _run(conn, sql, parameters, many=many)
            except sqlite3.OperationalError as exc:
                if not _run_again(exc):
                    raise
            if opens and conn.in_transaction:  # the statement's own, now empty: start afresh
                conn.rollback()
        done = await self._waiting(partial(_run, conn, sql, parameters, many=many))
        self._threaded = conn.in_transaction
        return done

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        return self._connection

    def _in_transaction(self) -> bool:
        return self._connection is not None and self._connection.in_transaction

    async def _end(self, end: Callable[[], None]) -> None:
        """Commit or roll back: on the loop, unless the transaction used the thread or the
        end meets a lock."""
        threaded, self._threaded = self._threaded, False
        if not threaded:
            try:
                return end()
            except sqlite3.OperationalError as exc:
                if not _run_again(exc):
                    raise
        await self._waiting(end)

    async def _checkpoint(self) -> None:
        """Copy the WAL into the database on the thread; one that fails is logged, not raised
        (the commit before it stands, and the next one tries again)."""
        checkpoint = partial(self._conn.execute, "PRAGMA wal_checkpoint(PASSIVE)")
        try:
            await self._on_thread(checkpoint)
        except sqlite3.Error as exc:
            logger.warning("SQLite WAL checkpoint failed: %s", exc)

    async def _waiting(self, work: Callable[[], T]) -> T:
        """``work`` on the connection's thread, where it may wait for locks and run long."""
        conn, timeout_ms = self._conn, int(self._write_timeout * 1000)

        def patiently() -> T:
            conn.set_progress_handler(None, 0)
            conn.execute(f"PRAGMA busy_timeout={timeout_ms}")
            try:
                return work()
            finally:
                conn.execute("PRAGMA busy_timeout=0")
                conn.set_progress_handler(_over_budget, STEP_BUDGET)

        return await self._on_thread(patiently)

    async def _on_thread(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(function, *args))

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


def _over_budget() -> int:
    """SQLite's progress handler on the loop: a statement still running after
    :data:`STEP_BUDGET` steps is interrupted (``SQLITE_INTERRUPT``), to be run on the thread."""
    return 1


def _run_again(exc: sqlite3.OperationalError) -> bool:
    """Whether a statement refused on the loop should run on the thread: it met a lock
    (``SQLITE_BUSY`` and its extended codes) or outgrew its budget (``SQLITE_INTERRUPT``)."""
    return exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_INTERRUPT)


def _run(conn: sqlite3.Connection, sql: str, parameters: Any, *, many: bool) -> _Done:
    """The statement, then every row it returns."""
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
