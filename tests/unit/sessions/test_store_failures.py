"""Fail closed, fail fast: a store whose server is gone raises SessionStoreUnavailable.

Never ``None`` ("no such session", which a client would answer by logging in again) and never
a hang. Each test runs its own server, since it stops it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from devtools.servers import PostgresProcess, RedisProcess
from tests.support.records import ALICE, new_session
from wxsession.core.errors import SessionStoreUnavailable
from wxsession.db import create_engine
from wxsession.sessions.redis import RedisSessionStore
from wxsession.sessions.sql import SqlSessionStore, sessions_table
from wxsession.sessions.store import SessionStore

FAST = 3.0  # seconds; the Redis client's budget is about 2 x 1 s


def every_call(store: SessionStore, key: str) -> dict[str, Callable[[], Awaitable[object]]]:
    """One call of each store method on ``key`` (an existing session of ALICE)."""
    now = time.time()
    fresh, record = new_session(ALICE, now)
    return {
        "create": lambda: store.create(fresh, record, now),
        "get": lambda: store.get(key),
        "touch": lambda: store.touch(key, record.touched(now + 60, 1800), now + 60),
        "delete": lambda: store.delete(key),
        "list_for_user": lambda: store.list_for_user(ALICE, now),
        "delete_for_user": lambda: store.delete_for_user(ALICE),
        "ping": lambda: store.ping(),
    }


async def assert_all_unavailable(store: SessionStore, key: str) -> None:
    for name, call in every_call(store, key).items():
        started = time.monotonic()
        with pytest.raises(SessionStoreUnavailable) as caught:
            await call()
        elapsed = time.monotonic() - started
        assert elapsed < FAST, f"{name} took {elapsed:.1f} s to fail"
        assert caught.value.__cause__ is not None, f"{name} lost the original error"
        assert caught.value.status == 503


# --- Redis ----------------------------------------------------------------------------------


@pytest.fixture
async def redis_store(own_redis: RedisProcess) -> AsyncIterator[RedisSessionStore]:
    store = RedisSessionStore.from_url(own_redis.url)
    try:
        yield store
    finally:
        await store.close()


async def test_redis_down_every_call_fails_fast_then_recovers(
    own_redis: RedisProcess, redis_store: RedisSessionStore
) -> None:
    now = float(int(time.time()))  # whole seconds: kept exactly (Redis keeps milliseconds)
    key, existing = new_session(ALICE, now)
    await redis_store.create(key, existing, now)  # pooled connections exist

    own_redis.stop()
    await assert_all_unavailable(redis_store, key)

    own_redis.restart()  # same port, empty (no persistence): the old pool must reconnect
    assert await redis_store.get(key) is None  # an answer from Redis, so None is the truth
    fresh, record = new_session(ALICE, now)
    await redis_store.create(fresh, record, now)
    assert await redis_store.get(fresh) == record
    assert [k for k, _ in await redis_store.list_for_user(ALICE, now)] == [fresh]
    assert await redis_store.touch(fresh, record.touched(now + 60, 1800), now + 60)
    assert await redis_store.delete_for_user(ALICE) == 1


async def test_hung_redis_times_out_instead_of_blocking(
    own_redis: RedisProcess, redis_store: RedisSessionStore
) -> None:
    key, _ = new_session(ALICE)
    await redis_store.ping()
    own_redis.pause()
    try:
        started = time.monotonic()
        with pytest.raises(SessionStoreUnavailable):
            await redis_store.get(key)
        assert time.monotonic() - started < FAST
    finally:
        own_redis.resume()
    assert await redis_store.get(key) is None


# --- SQL ------------------------------------------------------------------------------------


async def test_sqlite_that_cannot_open_its_file_is_unavailable(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    try:
        await assert_all_unavailable(SqlSessionStore(engine), new_session(ALICE)[0])
    finally:
        await engine.dispose()  # each failed open has already waited for its thread (db.py)


async def test_postgres_down_every_call_fails_fast() -> None:
    server = PostgresProcess()
    server.start()
    try:
        engine = create_engine(server.create_database("wxs_down"))
        try:
            async with engine.begin() as conn:
                await conn.run_sync(sessions_table.create)
            store = SqlSessionStore(engine)
            now = time.time()
            key, record = new_session(ALICE, now)
            await store.create(key, record, now)  # pooled connection exists

            server.stop()
            await assert_all_unavailable(store, key)
        finally:
            await engine.dispose()
    finally:
        server.stop()


async def test_a_burst_beyond_the_pool_waits_for_a_connection_instead_of_failing(
    redis_url: str,
) -> None:
    """More concurrent requests than pooled connections queue for one (up to the Redis
    timeout) instead of failing: a busy moment is not an outage."""
    store = RedisSessionStore.from_url(redis_url, max_connections=2)
    try:
        key = new_session(ALICE, time.time())[0]
        found = await asyncio.gather(*(store.get(key) for _ in range(50)))
        assert found == [None] * 50
    finally:
        await store.close()
