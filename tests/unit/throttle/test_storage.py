"""The SQL counter storage honours ``limits``' storage contract (fixed and moving windows) on
real SQLite and PostgreSQL, stays exact when two processes race on one counter, follows the
injected clock, and fails closed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from limits import RateLimitItemPerSecond
from limits.aio.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from tests.support.clock import MovableClock
from wxsession import migrate
from wxsession.core.errors import SessionStoreUnavailable
from wxsession.db import create_engine
from wxsession.throttle import LoginThrottle, SqlWindowStorage

THREE_PER_MINUTE = RateLimitItemPerSecond(3, 60)


@pytest.fixture(params=["sqlite_url", "postgres_url"])
async def url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    database_url: str = request.getfixturevalue(request.param)
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    await engine.dispose()
    yield database_url


@pytest.fixture
async def clock() -> MovableClock:
    return MovableClock(start=1_000_000.0)


@pytest.fixture
async def storage(url: str, clock: MovableClock) -> AsyncIterator[SqlWindowStorage]:
    engine = create_engine(url)
    try:
        yield SqlWindowStorage(engine, clock=clock)
    finally:
        await engine.dispose()


async def test_fixed_window_through_limits(storage: SqlWindowStorage, clock: MovableClock) -> None:
    limiter = FixedWindowRateLimiter(storage)
    assert [await limiter.hit(THREE_PER_MINUTE, "k") for _ in range(4)] == [True] * 3 + [False]
    assert not await limiter.test(THREE_PER_MINUTE, "k")
    stats = await limiter.get_window_stats(THREE_PER_MINUTE, "k")
    assert (stats.reset_time, stats.remaining) == (clock() + 60, 0)
    assert await limiter.hit(THREE_PER_MINUTE, "other")  # keys are independent
    clock.advance(60)
    assert await limiter.hit(THREE_PER_MINUTE, "k")  # a new window
    assert await storage.get(THREE_PER_MINUTE.key_for("k")) == 1
    await limiter.clear(THREE_PER_MINUTE, "k")
    assert await storage.get(THREE_PER_MINUTE.key_for("k")) == 0


async def test_moving_window_through_limits(storage: SqlWindowStorage, clock: MovableClock) -> None:
    limiter = MovingWindowRateLimiter(storage)
    start = clock()
    assert await limiter.hit(THREE_PER_MINUTE, "k")
    clock.advance(30)
    assert await limiter.hit(THREE_PER_MINUTE, "k", cost=2)
    assert not await limiter.hit(THREE_PER_MINUTE, "k")
    stats = await limiter.get_window_stats(THREE_PER_MINUTE, "k")
    assert (stats.reset_time, stats.remaining) == (start + 60, 0)

    clock.advance(30)  # the first entry is exactly a window old: it still counts
    assert not await limiter.hit(THREE_PER_MINUTE, "k")
    clock.advance(1)
    assert await limiter.hit(THREE_PER_MINUTE, "k")  # one slot back, not three
    assert not await limiter.hit(THREE_PER_MINUTE, "k")

    await storage.release_entry(THREE_PER_MINUTE.key_for("k"))  # gives back the newest
    assert (await limiter.get_window_stats(THREE_PER_MINUTE, "k")).remaining == 1
    assert await limiter.hit(THREE_PER_MINUTE, "k")
    await storage.release_entry(THREE_PER_MINUTE.key_for("never-used"))  # a no-op


async def test_two_processes_racing_never_exceed_the_limit(url: str, clock: MovableClock) -> None:
    engines = [create_engine(url) for _ in range(2)]  # two pools, two locks: two "processes"
    try:
        storages = [SqlWindowStorage(engine, clock=clock) for engine in engines]
        limiters = [MovingWindowRateLimiter(storage) for storage in storages]
        ten = RateLimitItemPerSecond(10, 60)
        hits = [limiters[n % 2].hit(ten, "raced") for n in range(40)]
        results = await asyncio.gather(*hits)
        assert results.count(True) == 10
        assert (await limiters[0].get_window_stats(ten, "raced")).remaining == 0
    finally:
        for engine in engines:
            await engine.dispose()


async def test_expired_rows_are_reclaimed_and_reset_empties_the_table(
    storage: SqlWindowStorage, clock: MovableClock
) -> None:
    limiter = MovingWindowRateLimiter(storage)
    for key in ("a", "b"):
        assert await limiter.hit(THREE_PER_MINUTE, key)
    clock.advance(3600)
    assert await limiter.hit(THREE_PER_MINUTE, "c")  # a write after a minute: reclaims
    assert await storage.reset() == 1  # only "c" was left
    assert await storage.check()


async def test_an_unreachable_database_fails_closed() -> None:
    engine = create_engine("postgresql+asyncpg://wxs:wxs@127.0.0.1:1/nowhere")
    try:
        storage = SqlWindowStorage(engine)
        assert not await storage.check()
        throttle = LoginThrottle(storage)
        with pytest.raises(SessionStoreUnavailable):
            await throttle.reserve("ada", "203.0.113.7")
        with pytest.raises(SessionStoreUnavailable):
            await throttle.succeeded("ada", "203.0.113.7")
    finally:
        await engine.dispose()


async def test_login_throttle_counts_an_ipv6_client_by_its_64(storage: SqlWindowStorage) -> None:
    throttle = LoginThrottle(storage, per_account_ip=2, per_account_hour=100)
    for ip in ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9"):  # one /64, two addresses
        assert await throttle.reserve("ada", ip) is None
    refused = await throttle.reserve("ada", "2001:db8:1:2::abcd")
    assert refused is not None and refused.limit == "account_ip"
    assert await throttle.reserve("ada", "2001:db8:1:3::1") is None  # the next /64
    assert await throttle.reserve("ada", "192.0.2.1") is None
