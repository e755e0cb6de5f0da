"""Reading the audit trail: a user's own activity (``GET /v1/me/activity``), the console's
search and its dashboard's counts.

Search pages by keyset, newest first: a page's last ``id`` is the next page's ``before_id``,
so a page stays cheap however deep it goes and rows written meanwhile never shift it. "Newest"
is the order rows were written: events of several processes less than a flush interval apart
may interleave (each row's ``at`` is its event's own time). Before
reading, the rows this process still holds are written (:meth:`AuditWriter.flush`), so a
reader sees its own process's events at once; another process's appear within its flush
interval (``WXSESSION_AUDIT_FLUSH_SECONDS``). A database that does not answer is a 503.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.audit_log.table import SUCCESS, audit_events_table
from wxsession.audit_log.writer import AuditWriter
from wxsession.core.clock import Clock, system_clock
from wxsession.db import database_faults

MAX_LIMIT = 200
"""The most rows one search returns."""
LOGIN_EVENTS = ("login", "login_failed", "login_throttled")
"""What the dashboard counts: sign-ins, refused and throttled ones."""

_a = audit_events_table.c


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the trail. ``details`` holds only allow-listed, non-secret fields
    (:data:`wxsession.audit_log.table.DETAIL_FIELDS`)."""

    id: int
    at: datetime
    event: str
    user_id: str | None
    actor: str | None
    ip: str | None
    device: str | None
    request_id: str | None
    outcome: str
    reason: str | None
    details: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class AuditCounts:
    """The dashboard's figures since ``since``: successful and refused (or throttled) sign-ins
    per minute (only minutes that had any, oldest first), and the refused ones by reason (an
    error code)."""

    since: datetime
    logins_per_minute: list[tuple[datetime, int]]
    failures_per_minute: list[tuple[datetime, int]]
    failures_by_code: dict[str, int]


class AuditTrail:
    """The read side of ``audit_events``."""

    def __init__(
        self, engine: AsyncEngine, writer: AuditWriter | None = None, clock: Clock = system_clock
    ) -> None:
        self.engine = engine
        self.writer = writer
        self.clock = clock

    async def search(
        self,
        *,
        user_id: str | None = None,
        event: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[AuditEntry]:
        """Rows matching every filter given, newest first, at most ``limit`` (1 to
        :data:`MAX_LIMIT`); ``since`` is inclusive, ``until`` exclusive."""
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be 1..{MAX_LIMIT}")
        where: list[ColumnElement[bool]] = []
        if user_id is not None:
            where.append(_a.user_id == user_id)
        if event is not None:
            where.append(_a.event == event)
        if since is not None:
            where.append(_a.at >= since.timestamp())
        if until is not None:
            where.append(_a.at < until.timestamp())
        if before_id is not None:
            where.append(_a.id < before_id)
        query = select(audit_events_table).where(and_(True, *where))
        query = query.order_by(_a.id.desc()).limit(limit)
        await self._written()
        with database_faults():
            async with self.engine.connect() as conn:
                rows = (await conn.execute(query)).mappings().all()
        return [
            AuditEntry(
                id=row["id"],
                at=datetime.fromtimestamp(row["at"], UTC),
                event=row["event"],
                user_id=row["user_id"],
                actor=row["actor"],
                ip=row["ip"],
                device=row["device"],
                request_id=row["request_id"],
                outcome=row["outcome"],
                reason=row["reason"],
                details=dict(row["details"] or {}),
            )
            for row in rows
        ]

    async def counts(self, *, hours: float = 24) -> AuditCounts:
        """Sign-ins and failed sign-ins per minute, and failures by code, over the last
        ``hours``."""
        since = self.clock() - hours * 3600
        recent = and_(_a.at >= since, _a.event.in_(LOGIN_EVENTS))
        failed = _a.outcome != SUCCESS
        per_minute = (
            select(_a.minute, failed, func.count())
            .where(recent)
            .group_by(_a.minute, failed)
            .order_by(_a.minute)
        )
        reason = func.coalesce(_a.reason, "")
        by_code = select(reason, func.count()).where(recent, failed).group_by(reason)
        await self._written()
        with database_faults():
            async with self.engine.connect() as conn:
                minutes = (await conn.execute(per_minute)).all()
                codes = (await conn.execute(by_code)).all()
        series: dict[bool, list[tuple[datetime, int]]] = {False: [], True: []}
        for minute, is_failure, count in minutes:
            series[bool(is_failure)].append((datetime.fromtimestamp(minute * 60, UTC), count))
        return AuditCounts(
            since=datetime.fromtimestamp(since, UTC),
            logins_per_minute=series[False],
            failures_per_minute=series[True],
            failures_by_code={code or "UNKNOWN": count for code, count in codes},
        )

    async def _written(self) -> None:
        if self.writer is not None and self.writer.pending:
            await self.writer.flush()
