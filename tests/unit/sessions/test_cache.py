"""The hot-session cache: what it serves, what it forgets, and when it refuses to answer,
over real Redis servers (two managers stand for two instances sharing one store)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager

import pytest
import redis

from devtools.servers import RedisProcess
from tests.support.records import ALICE, BOB, CAROL, make_record, new_key
from wxsession.accounts.repository import AccountRepository
from wxsession.core import tokens
from wxsession.core.errors import SessionInvalid, SessionStoreUnavailable
from wxsession.core.identity import Identity
from wxsession.core.record import SessionRecord
from wxsession.core.session import ActiveSession
from wxsession.sessions.cache import SessionCache
from wxsession.sessions.ended import SqlRevocations
from wxsession.sessions.invalidation import cache_for
from wxsession.sessions.manager import SessionManager
from wxsession.sessions.redis import RedisSessionStore
from wxsession.sessions.revocation import RevocationCache, RevocationPoint

IDENTITY = Identity("wechat", "wxapp", "openid-1", None, "session-key")


@asynccontextmanager
async def instance(url: str, *, size: int = 100) -> AsyncIterator[SessionManager]:
    """One server instance's session layer: its own client, cache and subscription."""
    store = RedisSessionStore.from_url(url)
    try:
        async with cache_for(store, url, size=size, max_age=30) as (cache, invalidations):
            yield SessionManager(
                store,
                idle_ttl=3600,
                max_age=86400,
                touch_interval=60,
                cache=cache,
                invalidations=invalidations,
            )
    finally:
        await store.close()


async def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Wait for something another connection does (bounded; not a timing assertion)."""
    async with asyncio.timeout(seconds):
        while True:
            if condition():
                return
            await asyncio.sleep(0.01)


def raw_delete(url: str, manager: SessionManager, key: str) -> None:
    """Delete a record behind wxsession's back: no announcement."""
    store = manager.store
    assert isinstance(store, RedisSessionStore)
    place = tokens.split_key(key)
    assert place is not None  # a registered session: a field of its user's hash
    client = redis.Redis.from_url(url)
    try:
        assert client.hdel(store.user_key(place[0]), place[1]) == 1
    finally:
        client.close()


def cache_of(manager: SessionManager) -> SessionCache:
    assert manager.cache is not None
    return manager.cache


async def test_a_session_ended_on_one_instance_is_refused_by_the_other(redis_url: str) -> None:
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(instance(redis_url))
        b = await stack.enter_async_context(instance(redis_url))
        first = await a.create(IDENTITY, ALICE)
        second = await a.create(IDENTITY, ALICE)
        for issued in (first, second):
            await b.resolve(issued.token)  # warms b's cache

        # b answers from memory: a record deleted without an announcement still resolves
        raw_delete(redis_url, b, (await b.resolve(second.token)).key)
        assert (await b.resolve(second.token)).record.public_id == second.record.public_id

        seen = cache_of(b).generation
        await a.end(await a.resolve(first.token))
        await until(lambda: cache_of(b).generation > seen)
        with pytest.raises(SessionInvalid):
            await b.resolve(first.token)

        seen = cache_of(b).generation
        await a.end_all_for_user(ALICE)
        await until(lambda: cache_of(b).generation > seen)
        with pytest.raises(SessionInvalid):
            await b.resolve(second.token)


async def test_pending_sessions_keep_their_session_key_registered_ones_do_not(
    redis_url: str,
) -> None:
    async with instance(redis_url) as manager:
        pending = await manager.create(IDENTITY, None)
        registered = await manager.create(IDENTITY, ALICE)
    assert pending.record.session_key == "session-key"  # needed to register later
    assert pending.record.identity() == IDENTITY
    # The identity row holds the openid, unionid and newest key; the session names its way
    # in by provider and app only, and its token names the user.
    assert registered.record.session_key is None
    assert registered.record.subject is None
    assert (registered.record.provider, registered.record.app_id) == ("wechat", "wxapp")
    assert registered.token.startswith(ALICE + ".")
    assert "." not in pending.token


async def test_a_killed_subscription_bypasses_the_cache_then_recovers_empty(
    own_redis: RedisProcess,
) -> None:
    url = own_redis.url
    async with instance(url) as manager:
        cache = cache_of(manager)
        issued = await manager.create(IDENTITY, ALICE)
        key = (await manager.resolve(issued.token)).key
        digest = tokens.digest(issued.token)
        assert cache.get(digest) is not None

        admin = redis.Redis.from_url(url)
        try:
            assert admin.client_kill_filter(_type="pubsub") >= 1
        finally:
            admin.close()
        await until(lambda: not cache.trusted())
        raw_delete(url, manager, key)
        with pytest.raises(SessionInvalid):  # not served from the untrusted cache
            await manager.resolve(issued.token)

        await until(cache.trusted)  # resubscribed by itself
        assert cache.get(digest) is None  # and started empty


async def test_a_hung_redis_is_not_papered_over_by_the_cache(own_redis: RedisProcess) -> None:
    async with instance(own_redis.url) as manager:
        cache = cache_of(manager)
        issued = await manager.create(IDENTITY, ALICE)
        await manager.resolve(issued.token)
        own_redis.pause()
        try:
            await until(lambda: not cache.trusted())  # the heartbeat is late
            with pytest.raises(SessionStoreUnavailable):
                await manager.resolve(issued.token)
        finally:
            own_redis.resume()
        await until(cache.trusted)
        assert (await manager.resolve(issued.token)).record.user_id == ALICE


def test_a_read_that_raced_an_invalidation_is_not_cached() -> None:
    cache = SessionCache(max_entries=10, max_age=30)
    cache.trusted = lambda: True
    token, key = new_key(ALICE)
    digest, active = tokens.digest(token), ActiveSession(key, make_record())
    generation = cache.generation  # a request starts its store read here ...
    cache.invalidate(b"s:" + key.encode())  # ... the session ends meanwhile ...
    cache.put(digest, active, generation)  # ... and the stale read comes back
    assert cache.get(digest) is None
    cache.put(digest, active, cache.generation)
    assert cache.get(digest) is active
    cache.invalidate(b"s:" + key.encode())  # announced by its storage key: found
    assert cache.get(digest) is None


def test_entries_are_bounded_in_age_and_number_and_dropped_per_user() -> None:
    now = [0.0]
    cache = SessionCache(max_entries=3, max_age=10, monotonic=lambda: now[0])
    cache.trusted = lambda: True
    forgotten: list[str] = []
    cache.on_user_invalidated = forgotten.append
    issued = [new_key(ALICE) for _ in range(3)] + [new_key(BOB)]
    digests = [tokens.digest(token) for token, _ in issued]

    def put(i: int, user_id: str) -> None:
        cache.put(digests[i], ActiveSession(issued[i][1], make_record(user_id)), cache.generation)

    for i in range(3):
        put(i, ALICE)
    put(3, BOB)  # full: starts over
    assert [cache.get(digest) is not None for digest in digests] == [False, False, False, True]

    put(0, ALICE)
    cache.invalidate(b"u:" + ALICE.encode())
    assert cache.get(digests[0]) is None and cache.get(digests[3]) is not None
    assert forgotten == [ALICE]  # the revocation point is read afresh too

    now[0] = 10.0
    assert cache.get(digests[3]) is None  # older than max_age

    put(1, CAROL)
    cache.trusted = lambda: False
    assert cache.get(digests[1]) is None  # never served while untrusted


def test_unknown_announcements_empty_the_cache() -> None:
    cache = SessionCache(max_entries=10, max_age=30)
    cache.trusted = lambda: True
    token, key = new_key(None)
    digest = tokens.digest(token)
    cache.put(digest, ActiveSession(key, make_record(None)), cache.generation)
    cache.invalidate(b"x:something-newer")
    assert cache.get(digest) is None


async def test_an_epoch_read_racing_an_announcement_is_not_cached(
    accounts: AccountRepository, revocation_source: SqlRevocations
) -> None:
    user = await accounts.register(IDENTITY)
    read, release = asyncio.Event(), asyncio.Event()

    class HeldRead(SqlRevocations):
        """The real revocation points, holding a read's answer until told to let it go."""

        def __init__(self, real: SqlRevocations) -> None:
            super().__init__(real.engine, real.accounts)

        async def revocation_point(self, user_id: str, now: float) -> RevocationPoint | None:
            point = await revocation_source.revocation_point(user_id, now)
            read.set()
            await release.wait()
            return point

    epochs = RevocationCache(HeldRead(revocation_source), ttl=60)
    racing = asyncio.create_task(epochs.point(user.id))
    await read.wait()
    assert await accounts.raise_session_epoch(user.id) == 1  # another instance revokes
    epochs.forget(user.id)  # ... and its announcement arrives
    release.set()
    assert await racing == RevocationPoint(0, {})  # the read that started before it
    release.clear()
    reading_again = asyncio.create_task(epochs.point(user.id))
    await asyncio.sleep(0)
    release.set()
    assert await reading_again == RevocationPoint(1, {})  # the stale one was not kept


async def test_concurrent_reads_of_a_lapsed_entry_make_one_database_read(
    accounts: AccountRepository, revocation_source: SqlRevocations
) -> None:
    user = await accounts.register(IDENTITY)
    reads = 0

    class Counting(SqlRevocations):
        async def revocation_point(self, user_id: str, now: float) -> RevocationPoint | None:
            nonlocal reads
            reads += 1
            return await super().revocation_point(user_id, now)

    epochs = RevocationCache(Counting(revocation_source.engine, accounts), ttl=60)
    points = await asyncio.gather(*(epochs.point(user.id) for _ in range(20)))
    assert points == [RevocationPoint(0, {})] * 20
    assert reads == 1


async def test_requests_in_flight_when_a_session_falls_due_renew_it_once(redis_url: str) -> None:
    """When a cached session falls due for renewal, the requests carrying it at that moment
    make one read and one renewal between them, not one each (on SQLite every commit also
    sends each process's cache to the store: a herd of them was the bench's p99)."""
    now = [1_000_000.0]
    calls = {"get": 0, "touch": 0}

    class Counting(RedisSessionStore):
        async def get(self, key: str) -> SessionRecord | None:
            calls["get"] += 1
            return await super().get(key)

        async def touch(self, key: str, record: SessionRecord, at: float) -> bool:
            calls["touch"] += 1
            return await super().touch(key, record, at)

    store = Counting.from_url(redis_url)
    try:
        async with cache_for(store, redis_url, size=100, max_age=3600) as (cache, announcer):
            manager = SessionManager(
                store,
                idle_ttl=3600,
                max_age=86400,
                touch_interval=60,
                clock=lambda: now[0],
                cache=cache,
                invalidations=announcer,
            )
            issued = await manager.create(IDENTITY, ALICE)
            await manager.resolve(issued.token)  # cached
            now[0] += 61  # due for renewal
            calls.update(get=0, touch=0)
            renewed = await asyncio.gather(*(manager.resolve(issued.token) for _ in range(20)))
            assert {a.record.last_seen for a in renewed} == {now[0]}
            assert calls == {"get": 1, "touch": 1}
            assert manager.hit(issued.token) is not None  # the renewed copy is cached
    finally:
        await store.close()
