"""One-time secrets (:mod:`wxsession.throttle.one_time`) on real SQLite, PostgreSQL, Redis
and a Redis Cluster: one use, a try counted before each comparison (parallel guesses get no
more), expiry by the caller's clock, a new secret replaces the old with fresh tries, and a
store that does not answer is a 503."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from wxsession import migrate
from wxsession.core.errors import SessionStoreUnavailable
from wxsession.db import create_engine
from wxsession.redis_topology import connect
from wxsession.throttle.one_time import OneTimeStore, SqlOneTimeStore
from wxsession.throttle.one_time_redis import RedisOneTimeStore

NOW = 1_000_000.0


@pytest.fixture(params=["sqlite", "postgres", "redis", "redis_cluster"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[OneTimeStore]:
    if request.param in ("sqlite", "postgres"):
        engine = create_engine(request.getfixturevalue(f"{request.param}_url"))
        try:
            await migrate.upgrade(engine)
            yield SqlOneTimeStore(engine)
        finally:
            await engine.dispose()
        return
    client = connect(request.getfixturevalue(f"{request.param}_url"), timeout=2.0)
    try:
        yield RedisOneTimeStore(client, prefix="t:")
    finally:
        await client.aclose()


async def test_a_secret_works_once(store: OneTimeStore) -> None:
    await store.put("k", "right", NOW + 300)
    assert await store.spend("k", "right", max_tries=5, now=NOW)
    assert not await store.spend("k", "right", max_tries=5, now=NOW)


async def test_the_tries_are_counted_before_the_comparison(store: OneTimeStore) -> None:
    await store.put("k", "right", NOW + 300)
    for _ in range(3):
        assert not await store.spend("k", "wrong", max_tries=3, now=NOW)
    assert not await store.spend("k", "right", max_tries=3, now=NOW)  # out of tries: dead


async def test_the_right_one_within_the_tries_still_works(store: OneTimeStore) -> None:
    await store.put("k", "right", NOW + 300)
    for _ in range(4):
        assert not await store.spend("k", "wrong", max_tries=5, now=NOW)
    assert await store.spend("k", "right", max_tries=5, now=NOW)


async def test_it_expires_by_the_callers_clock(store: OneTimeStore) -> None:
    await store.put("k", "right", NOW + 300)
    assert not await store.spend("k", "right", max_tries=5, now=NOW + 300)
    await store.put("k2", "right", NOW + 300)
    assert await store.spend("k2", "right", max_tries=5, now=NOW + 299)


async def test_a_new_secret_replaces_the_old_with_fresh_tries(store: OneTimeStore) -> None:
    await store.put("k", "old", NOW + 300)
    for _ in range(5):
        await store.spend("k", "wrong", max_tries=5, now=NOW)
    await store.put("k", "new", NOW + 300)
    assert not await store.spend("k", "old", max_tries=5, now=NOW)
    assert await store.spend("k", "new", max_tries=5, now=NOW)


async def test_keys_are_apart(store: OneTimeStore) -> None:
    await store.put("a", "same", NOW + 300)
    await store.put("b", "same", NOW + 300)
    assert await store.spend("a", "same", max_tries=5, now=NOW)
    assert await store.spend("b", "same", max_tries=5, now=NOW)
    assert not await store.spend("missing", "same", max_tries=5, now=NOW)


async def test_parallel_guesses_get_no_more_comparisons_than_the_tries(
    store: OneTimeStore,
) -> None:
    """Kratos' single-use race, with a twist: 20 guesses at once, the right one among the
    last; with 5 tries, it wins only if it was among the first 5 counted, and never twice."""
    await store.put("k", "right", NOW + 300)
    guesses = [f"wrong{n}" for n in range(19)] + ["right"]
    results = await asyncio.gather(*(store.spend("k", g, max_tries=5, now=NOW) for g in guesses))
    assert sum(results) <= 1
    # whatever happened, the secret is spent or dead now
    assert not await store.spend("k", "right", max_tries=5, now=NOW)


async def test_two_spenders_of_the_right_secret_one_wins(store: OneTimeStore) -> None:
    await store.put("k", "right", NOW + 300)
    results = await asyncio.gather(
        *(store.spend("k", "right", max_tries=5, now=NOW) for _ in range(16))
    )
    assert sorted(results) == [False] * 15 + [True]


async def test_an_unreachable_sql_store_is_a_503(tmp_path: object) -> None:
    engine = create_engine("sqlite+aiosqlite:////nonexistent-dir/x.db")
    try:
        broken = SqlOneTimeStore(engine)
        with pytest.raises(SessionStoreUnavailable):
            await broken.put("k", "d", NOW)
        with pytest.raises(SessionStoreUnavailable):
            await broken.spend("k", "d", max_tries=5, now=NOW)
    finally:
        await engine.dispose()


async def test_an_unreachable_redis_is_a_503() -> None:
    client = connect("redis://127.0.0.1:1/0", timeout=0.5)
    try:
        broken = RedisOneTimeStore(client, prefix="t:")
        with pytest.raises(SessionStoreUnavailable):
            await broken.put("k", "d", NOW)
        with pytest.raises(SessionStoreUnavailable):
            await broken.spend("k", "d", max_tries=5, now=NOW)
    finally:
        await client.aclose()
