"""The batched writer on SQLite and PostgreSQL: rows land by size, time and close; a failing
database keeps them (bounded); lapsed rows are pruned by later writes."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.clock import MovableClock
from wxsession.audit_log.table import audit_events_table
from wxsession.audit_log.writer import AuditWriter
from wxsession.logging_setup import request_id
from wxsession.services import events


def _logout(user: str = "u1") -> events.LoggedOut:
    return events.LoggedOut(user=user, ip="127.0.0.1", session="fp")


async def _count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        found: int = (
            await conn.execute(select(func.count()).select_from(audit_events_table))
        ).scalar_one()
        return found


async def test_rows_wait_until_a_flush_and_keep_the_events_time_and_request(
    sql_engine: AsyncEngine,
) -> None:
    clock = MovableClock(1_000_000.0)
    writer = AuditWriter(sql_engine, retention_days=1, clock=clock)
    token = request_id.set("req-7")
    try:
        writer.observe(_logout())
    finally:
        request_id.reset(token)
    clock.advance(30)
    assert await _count(sql_engine) == 0 and writer.pending == 1
    assert await writer.flush()
    async with sql_engine.connect() as conn:
        row = (await conn.execute(select(audit_events_table))).mappings().one()
    assert (row["at"], row["request_id"], row["event"], row["user_id"]) == (
        1_000_000.0,
        "req-7",
        "logout",
        "u1",
    )


async def test_the_running_writer_flushes_a_full_batch_at_once_and_the_rest_on_close(
    sql_engine: AsyncEngine,
) -> None:
    writer = AuditWriter(sql_engine, retention_days=1, flush_seconds=60, batch=3)
    async with writer.running():
        for _ in range(3):
            writer.observe(_logout())
        for _ in range(50):  # the batch wakes the task long before its 60 s
            if await _count(sql_engine) == 3:
                break
            await asyncio.sleep(0.02)
        assert await _count(sql_engine) == 3
        writer.observe(_logout())
    assert await _count(sql_engine) == 4 and writer.pending == 0


async def test_a_failing_database_keeps_the_rows_up_to_capacity(sql_engine: AsyncEngine) -> None:
    writer = AuditWriter(sql_engine, retention_days=1, capacity=5)
    async with sql_engine.begin() as conn:
        await conn.execute(text("ALTER TABLE audit_events RENAME TO audit_events_away"))
    for _ in range(3):
        writer.observe(_logout())
    assert not await writer.flush()
    for _ in range(4):
        writer.observe(_logout())
    assert (writer.pending, writer.dropped) == (5, 2)
    async with sql_engine.begin() as conn:
        await conn.execute(text("ALTER TABLE audit_events_away RENAME TO audit_events"))
    assert await writer.flush()
    assert await _count(sql_engine) == 5
    counted = writer.metrics.registry.get_sample_value
    assert counted("wxsession_audit_rows_total", {"result": "dropped"}) == 2
    assert counted("wxsession_audit_rows_total", {"result": "written"}) == 5


async def test_lapsed_rows_are_pruned_by_a_later_write_at_most_once_a_minute(
    sql_engine: AsyncEngine,
) -> None:
    clock = MovableClock(1_000_000.0)
    writer = AuditWriter(sql_engine, retention_days=1, clock=clock)
    writer.observe(_logout("old"))
    await writer.flush()  # a prune ran: the next is due a minute later
    clock.advance(86_400 - 30)
    writer.observe(_logout("a"))
    await writer.flush()  # pruned what lapsed: not "old" yet
    clock.advance(40)  # "old" lapsed, but the last prune was 40 s ago
    writer.observe(_logout("b"))
    await writer.flush()
    assert await _users(sql_engine) == ["old", "a", "b"]
    clock.advance(30)
    writer.observe(_logout("c"))
    await writer.flush()
    assert await _users(sql_engine) == ["a", "b", "c"]


async def _users(engine: AsyncEngine) -> list[str | None]:
    query = select(audit_events_table.c.user_id).order_by(audit_events_table.c.id)
    async with engine.connect() as conn:
        return list((await conn.execute(query)).scalars().all())
