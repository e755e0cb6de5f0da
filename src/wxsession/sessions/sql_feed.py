"""The hot-session cache on the SQL store (SQLite): announcements in a table, and
``PRAGMA data_version`` telling each process when to read them.

Processes sharing one SQLite file (``serve --workers N``, or several ``serve``) have no pub/sub,
but SQLite tells a connection whether *another* connection committed since it last looked:
``PRAGMA data_version`` (https://sqlite.org/pragma.html#pragma_data_version). So:

- Every change that must refuse a cached session or user is a row in
  ``session_invalidations`` (:class:`SqlAnnouncer`), written before the change's answer
  leaves, in the same words as the Redis channel (``s:<storage key>``, ``u:<user id>``).
- Before the cache answers, :meth:`DataVersionFeed.trusted` reads ``data_version`` on a
  connection of its own that never writes. Unchanged: nothing was committed anywhere since
  the cache last caught up, so it is current. Changed: the cache is bypassed (the request
  reads the store) and one task reads the rows after the last one applied, applies them,
  and only then records the version it saw *before* that read, so a commit racing the read
  is caught on the next check. A check or a read that fails leaves the cache bypassed: it
  fails closed, as the Redis cache does while its channel is down.

The check runs synchronously on the event loop: it is one ``sqlite3_step`` that opens and
ends a read transaction in the WAL index (shared memory), 10 to 15 us on the bench machine
(``bench/data_version.py``), with ``busy_timeout`` 0 so it never waits. It is done at most
once per loop turn: a request handled in this turn was read before the turn began, so a
commit that preceded the request preceded the check too (a callback queued with
``call_soon`` forgets the verdict before the next turn's input). Reading the rows goes through
the engine, whose connections move a statement that would wait or run long to their thread
(:mod:`wxsession.sqlite_async`). Any commit (a login, a renewal) makes every
process catch up once; under a steady stream of writes the cache answers between them.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Column, Float, Index, Integer, LargeBinary, Table, bindparam, func, select
from sqlalchemy import delete as sql_delete
from sqlalchemy import insert as sql_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.core.errors import SessionStoreUnavailable
from wxsession.db import Base, sqlite_connector
from wxsession.sessions.cache import SESSION, USER, SessionCache

log = logging.getLogger("wxsession.cache")

RETENTION = 600.0
"""Seconds an announcement is kept: far beyond any cached entry's life (at most 60 s), so a
process that catches up later than that has nothing cached the pruned rows could concern;
one that was away longer than half of it empties its cache anyway."""
PRUNE_INTERVAL = 60.0

invalidations_table = Table(
    "session_invalidations",
    Base.metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("message", LargeBinary, nullable=False),
    Column("at", Float, nullable=False),
    Index("ix_session_invalidations_at", "at"),
    sqlite_autoincrement=True,
)

_i = invalidations_table.c
_INSERT = sql_insert(invalidations_table)
_SINCE = select(_i.seq, _i.message).where(_i.seq > bindparam("seq")).order_by(_i.seq)
_LAST = select(func.coalesce(func.max(_i.seq), 0))
_PRUNE = sql_delete(invalidations_table).where(_i.at < bindparam("before"))


class SqlAnnouncer:
    """Announces changes by a row in ``session_invalidations``, and applies them to this
    process's own cache at once (its feed reads them again later, harmlessly). A failed
    write is :class:`SessionStoreUnavailable`: a 503 rather than a logout other processes
    may not hear of."""

    def __init__(
        self,
        engine: AsyncEngine,
        cache: SessionCache | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.cache = cache
        self._wall = wall
        self._next_prune = -math.inf

    async def session_ended(self, key: str) -> None:
        await self._announce(SESSION + key.encode("ascii"))

    async def user_changed(self, user_id: str) -> None:
        await self._announce(USER + user_id.encode("ascii"))

    async def _announce(self, message: bytes) -> None:
        if self.cache is not None:
            self.cache.invalidate(message)
        now = self._wall()
        try:
            async with self.engine.begin() as conn:
                if now >= self._next_prune:
                    self._next_prune = now + PRUNE_INTERVAL
                    await conn.execute(_PRUNE, {"before": now - RETENTION})
                await conn.execute(_INSERT, {"message": message, "at": now})
        except (SQLAlchemyError, OSError) as exc:
            raise SessionStoreUnavailable() from exc


class DataVersionFeed:
    """Keeps ``cache`` current with the announcements of every process on the file that
    ``connect`` opens; run it with :meth:`start` / :meth:`stop`."""

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        engine: AsyncEngine,
        cache: SessionCache,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._connect = connect
        self.engine = engine
        self.cache = cache
        self._monotonic = monotonic
        self._watch: sqlite3.Connection | None = None
        self._version: int | None = None
        """The ``data_version`` the cache has caught up with (``None``: not yet)."""
        self._seq: int | None = None
        """The last announcement applied (``None``: not read yet; the first catch-up reads
        where the table stands, with nothing cached to apply it to)."""
        self._caught_up_at = -math.inf
        self._verdict: bool | None = None
        """This loop turn's answer of :meth:`trusted` (``None``: not asked yet)."""
        self._catching_up: asyncio.Task[None] | None = None
        self._failing = False
        cache.trusted = self.trusted

    async def start(self) -> None:
        """Open the watch connection and catch up once (a table not there yet, migrations
        pending, leaves the cache bypassed until a later catch-up reads it)."""
        self._watch = await asyncio.to_thread(self._connect)  # busy timeout 0: never waits
        await self._catch_up(self._data_version())

    async def stop(self) -> None:
        if self._catching_up is not None:
            self._catching_up.cancel()
            await asyncio.gather(self._catching_up, return_exceptions=True)
        if self._watch is not None:
            watch, self._watch, self._version = self._watch, None, None
            await asyncio.to_thread(watch.close)

    def trusted(self) -> bool:
        """Whether the cache may answer now: nothing committed since it caught up."""
        verdict = self._verdict
        if verdict is None:
            verdict = self._verdict = self._check()
            asyncio.get_running_loop().call_soon(self._forget_verdict)
        return verdict

    def _forget_verdict(self) -> None:
        self._verdict = None

    def _check(self) -> bool:
        try:
            version = self._data_version()
        except sqlite3.Error as exc:
            self._fail("cannot read data_version (%s)", exc)
            return False
        if version == self._version:
            return True
        if self._catching_up is None or self._catching_up.done():
            self._catching_up = asyncio.create_task(self._catch_up(version))
        return False

    async def _catch_up(self, version: int) -> None:
        """Apply every announcement after the last one applied; then the cache is current
        with ``version`` (read before the announcements were)."""
        rows: list[Any] = []
        try:
            async with self.engine.connect() as conn:
                if self._seq is None:
                    self._seq = int((await conn.execute(_LAST)).scalar_one())
                else:
                    rows = list((await conn.execute(_SINCE, {"seq": self._seq})).all())
        except (SQLAlchemyError, OSError) as exc:
            self._fail("cannot read announcements (%s)", exc)
            return
        now = self._monotonic()
        if now - self._caught_up_at > RETENTION / 2:
            self.cache.clear()  # announcements it missed may be pruned by now
        for seq, message in rows:
            self.cache.invalidate(message)
            self._seq = seq
        if self._watch is not None:
            self._version, self._caught_up_at = version, now
        if self._failing:
            self._failing = False
            log.warning("cache announcements readable again: cache in use")

    def _data_version(self) -> int:
        if self._watch is None:
            raise sqlite3.ProgrammingError("closed")
        row = self._watch.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def _fail(self, what: str, exc: Exception) -> None:
        if not self._failing:
            self._failing = True
            log.warning("hot-session cache bypassed: " + what, exc)


@asynccontextmanager
async def sql_cache_for(
    engine: AsyncEngine, *, size: int, max_age: float
) -> AsyncIterator[tuple[SessionCache | None, SqlAnnouncer | None]]:
    """The hot-session cache and the announcer for the SQL store, for the block's life.

    Only a SQLite file gets them (``data_version`` is SQLite's); on PostgreSQL, or an
    in-memory SQLite, the SQL store is read on every request as before. ``size`` 0 turns the
    cache off; changes are still announced, for processes that cache.
    """
    connect = sqlite_connector(engine.url)
    if connect is None:
        yield None, None
        return
    if size <= 0:
        yield None, SqlAnnouncer(engine)
        return
    cache = SessionCache(max_entries=size, max_age=max_age)
    feed = DataVersionFeed(connect, engine, cache)
    await feed.start()
    try:
        yield cache, SqlAnnouncer(engine, cache)
    finally:
        await feed.stop()
