"""Reading the trail on SQLite and PostgreSQL: filters, keyset pages newest first, the
dashboard's counts, and the writer's pending rows read at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.clock import MovableClock
from wxsession.audit_log.writer import AuditWriter
from wxsession.services import events
from wxsession.services.audit_trail import AuditTrail

T0 = 1_800_000_000.0  # a minute boundary


def _login(user: str, ip: str = "10.0.0.1") -> events.LoggedIn:
    return events.LoggedIn(
        user=user,
        provider="wechat",
        app="wxapp",
        registered=True,
        ip=ip,
        session="fp",
        replaced=None,
        device="Android WeChat 8",
    )


def _failed(reason: str) -> events.CodeLoginFailed:
    return events.CodeLoginFailed(
        provider="wechat", app="a", reason=reason, ip=None, presented=None
    )


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(T0)


@pytest.fixture
def writer(sql_engine: AsyncEngine, clock: MovableClock) -> AuditWriter:
    return AuditWriter(sql_engine, retention_days=30, clock=clock)


@pytest.fixture
def trail(sql_engine: AsyncEngine, writer: AuditWriter, clock: MovableClock) -> AuditTrail:
    return AuditTrail(sql_engine, writer, clock)


async def test_search_filters_and_pages_newest_first(
    writer: AuditWriter, trail: AuditTrail, clock: MovableClock
) -> None:
    for n in range(5):
        writer.observe(_login("ann", ip=f"10.0.0.{n}"))
        writer.observe(_login("bob"))
        clock.advance(10)
    writer.observe(events.PasswordChanged(user="ann", ip="10.0.0.9", session="fp", ended=0))
    # nothing flushed yet: the search writes this process's pending rows first
    first = await trail.search(user_id="ann", limit=4)
    assert [e.event for e in first] == ["password_changed", "login", "login", "login"]
    assert [e.ip for e in first[1:]] == ["10.0.0.4", "10.0.0.3", "10.0.0.2"]
    assert first[1].device == "Android WeChat 8" and first[1].details["provider"] == "wechat"
    rest = await trail.search(user_id="ann", before_id=first[-1].id, limit=4)
    assert [e.ip for e in rest] == ["10.0.0.1", "10.0.0.0"]
    assert {e.user_id for e in first + rest} == {"ann"}
    logins = await trail.search(event="login", limit=200)
    assert len(logins) == 10
    window = await trail.search(
        since=datetime.fromtimestamp(T0 + 10, UTC), until=datetime.fromtimestamp(T0 + 30, UTC)
    )
    assert len(window) == 4
    assert all(T0 + 10 <= e.at.timestamp() < T0 + 30 for e in window)


async def test_a_limit_out_of_range_is_refused(trail: AuditTrail) -> None:
    with pytest.raises(ValueError, match="limit"):
        await trail.search(limit=0)


async def test_counts_logins_per_minute_and_failures_by_code(
    writer: AuditWriter, trail: AuditTrail, clock: MovableClock
) -> None:
    writer.observe(_login("old"))  # over two hours ago: not counted
    clock.advance(3 * 3600)
    start = clock()
    for _ in range(3):
        writer.observe(_login("ann"))
    writer.observe(_failed("WECHAT_CODE_INVALID"))
    clock.advance(60)
    writer.observe(_login("bob"))
    writer.observe(_failed("WECHAT_CODE_INVALID"))
    writer.observe(_failed("WECHAT_CODE_USED"))
    writer.observe(
        events.CodeLoginThrottled(provider="qq", limit="code_ip", ip=None, retry_after=5)
    )
    counts = await trail.counts(hours=2)
    assert counts.logins_per_minute == [
        (datetime.fromtimestamp(start, UTC), 3),
        (datetime.fromtimestamp(start + 60, UTC), 1),
    ]
    assert counts.failures_per_minute == [
        (datetime.fromtimestamp(start, UTC), 1),
        (datetime.fromtimestamp(start + 60, UTC), 3),
    ]
    assert counts.failures_by_code == {
        "WECHAT_CODE_INVALID": 2,
        "WECHAT_CODE_USED": 1,
        "RATE_LIMITED": 1,
    }
