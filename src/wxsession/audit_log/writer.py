"""Writes the audit trail in batches, off the path of the request that emitted the event.

Why batched rather than in the request's own transaction: the events come from every use
case, most of them after their transaction (or with none: a session store on Redis), and a
login must not wait for, nor fail with, a row it does not need. So :meth:`AuditWriter.observe`
only turns the event into a row (a dict) and appends it to a bounded in-process list; a task
inserts what has gathered every ``flush_seconds``, or at once when ``batch`` rows wait, in
one statement, and once more when the runtime closes. The request's time and request id are
taken when the event happens, not when it is written.

A database that fails a flush keeps the rows for the next one; beyond ``capacity`` waiting
rows the oldest are dropped and counted (:attr:`AuditWriter.dropped`), with one warning per
outage, and in ``wxsession_audit_rows_total{result="dropped"}``: the log line of every event
was written regardless, and the login's answer never
depended on either. The price: a crash loses at most the last ``flush_seconds`` of rows (never
their log lines).

Retention: rows older than ``retention_days`` are deleted by a flush, at most once a minute
(as :mod:`wxsession.sessions.ended` prunes), so no background job is needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy import bindparam, delete, insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.audit import Event
from wxsession.audit_log.table import audit_events_table, row_of
from wxsession.core.clock import Clock, system_clock
from wxsession.logging_setup import request_id
from wxsession.metrics import Metrics

log = logging.getLogger("wxsession.audit_log")

PRUNE_INTERVAL = 60.0
"""Seconds between two deletions of lapsed rows."""
DAY = 86_400.0

_INSERT = insert(audit_events_table)
_PRUNE = delete(audit_events_table).where(audit_events_table.c.at < bindparam("before"))


class AuditWriter:
    """The audit table's writer: an observer of events, and the task that flushes them."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        retention_days: int,
        flush_seconds: float = 1.0,
        batch: int = 500,
        capacity: int = 10_000,
        clock: Clock = system_clock,
        metrics: Metrics | None = None,
    ) -> None:
        self.engine = engine
        self.metrics = metrics if metrics is not None else Metrics()
        self.retention = retention_days * DAY
        self.flush_seconds = flush_seconds
        self.batch = batch
        self.capacity = capacity
        self.clock = clock
        self.dropped = 0
        """Rows lost to a full queue (the database failed long enough to fill it)."""
        self._pending: list[dict[str, Any]] = []
        self._full = asyncio.Event()
        self._flushing = asyncio.Lock()
        self._next_prune = -math.inf
        self._failing = False
        self._dropping = False
        self._closing = False

    def observe(self, happened: Event) -> None:
        """Queue ``happened``'s row; never waits, never raises for the database."""
        if len(self._pending) >= self.capacity:
            self._drop(1)
            return
        self._pending.append(row_of(happened, self.clock(), request_id.get()))
        if len(self._pending) >= self.batch:
            self._full.set()

    def observing(self, first: Callable[[Event], None]) -> Callable[[Event], None]:
        """An observer that hands each event to ``first`` (the log line), then queues it."""

        def both(happened: Event) -> None:
            first(happened)
            self.observe(happened)

        return both

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def flush(self) -> bool:
        """Write what waits (and prune, when due) in one transaction; ``False`` if the
        database failed, the rows then wait for the next flush."""
        async with self._flushing:
            rows, self._pending = self._pending, []
            self._full.clear()
            if not rows:
                return True
            now = self.clock()
            try:
                async with self.engine.begin() as conn:
                    if now >= self._next_prune:
                        await conn.execute(_PRUNE, {"before": now - self.retention})
                        self._next_prune = now + PRUNE_INTERVAL
                    await conn.execute(_INSERT, rows)
            except (SQLAlchemyError, OSError, TimeoutError) as exc:
                self._requeue(rows, exc)
                return False
            self._dropping = False
            self.metrics.audit_rows.labels("written").inc(len(rows))
            if self._failing:
                self._failing = False
                log.warning("audit_trail_writing_again rows=%d dropped=%d", len(rows), self.dropped)
            return True

    async def run(self) -> None:
        """Flush every ``flush_seconds``, or as soon as a batch is full; until closed (never
        cancelled mid-flush, which would lose the rows of the rolled-back insert)."""
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), self.flush_seconds)
            await self.flush()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[AuditWriter]:
        """The flushing task for the block; the rows still waiting are written at its end."""
        task = asyncio.create_task(self.run(), name="wxsession-audit-writer")
        try:
            yield self
        finally:
            self._closing = True
            self._full.set()
            await task
            await self.flush()

    def _requeue(self, rows: list[dict[str, Any]], exc: BaseException) -> None:
        if not self._failing:
            self._failing = True
            log.warning("audit_trail_write_failed rows=%d error=%s", len(rows), type(exc).__name__)
        waiting = rows + self._pending
        over = len(waiting) - self.capacity
        if over > 0:
            self._drop(over)
            waiting = waiting[over:]
        self._pending = waiting

    def _drop(self, count: int) -> None:
        if not self._dropping:  # once until rows are written again
            self._dropping = True
            log.warning("audit_trail_rows_dropped count=%d", count)
        self.dropped += count
        self.metrics.audit_rows.labels("dropped").inc(count)
