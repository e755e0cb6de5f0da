"""The SessionStore contract, run on every backend against a real server.

:class:`StoreContract` holds the tests; each ``Test*Store`` subclass supplies a ``backend``
fixture: the store plus a raw view of what it keeps (entry count, every stored byte), so the
tests check the server's contents, not only what the store says about them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis.asyncio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.sessions import IDLE, make_record, new_key
from wxsession.db import create_engine
from wxsession.redis_topology import connect
from wxsession.sessions.redis import RedisSessionStore
from wxsession.sessions.sql import RECLAIM_INTERVAL, SqlSessionStore, sessions_table
from wxsession.sessions.store import SessionStore

RACE_ROUNDS = 25
RACE_TOUCHES = 8


class Backend:
    """A store and a look at its server's raw contents."""

    store: SessionStore

    async def count(self) -> int:
        """Entries on the server: Redis keys, or SQL rows."""
        raise NotImplementedError

    async def dump(self) -> bytes:
        """Every key and value (or every column of every row), concatenated."""
        raise NotImplementedError


@dataclass
class RedisBackend(Backend):
    store: RedisSessionStore
    raw: redis.asyncio.Redis | redis.asyncio.RedisCluster

    async def count(self) -> int:
        if isinstance(self.raw, redis.asyncio.RedisCluster):
            await self.raw.initialize()  # learns the slot map, and so the masters
            nodes = self.raw.get_primaries()
            return sum([int(await self.raw.dbsize(target_nodes=node)) for node in nodes])
        return int(await self.raw.dbsize())

    async def dump(self) -> bytes:
        parts: list[bytes] = []
        async for key in self.raw.scan_iter(count=1000):
            parts.append(key)
            if await self.raw.type(key) == b"set":
                parts.extend(_bytes(member) for member in await self.raw.smembers(key))
            else:
                parts.append(_bytes(await self.raw.get(key) or b""))
        return b"\n".join(parts)


@dataclass
class SqlBackend(Backend):
    store: SqlSessionStore
    engine: AsyncEngine

    async def count(self) -> int:
        async with self.engine.connect() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(sessions_table))).scalar_one()
            )

    async def dump(self) -> bytes:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(sessions_table))).all()
        return b"\n".join(_bytes(value) for row in rows for value in row)


def _bytes(value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


class StoreContract:
    """What every SessionStore must do. Subclasses provide ``backend``."""

    @pytest.fixture
    def backend(self) -> Backend:
        raise NotImplementedError

    @pytest.fixture
    def store(self, backend: Backend) -> SessionStore:
        return backend.store

    async def test_implements_the_protocol(self, store: SessionStore) -> None:
        assert isinstance(store, SessionStore)
        await store.ping()

    @pytest.mark.parametrize(
        "overrides",
        [
            {},
            {"user_id": None, "union_id": None, "session_key": None},
            {"user_agent": None, "ip": None, "last_seen": 1.5e9 + 0.123456789},
        ],
        ids=["full", "pending", "sparse"],
    )
    async def test_create_then_get_preserves_every_field(
        self, store: SessionStore, overrides: dict[str, Any]
    ) -> None:
        _, key = new_key()
        record = make_record(**overrides)
        await store.create(key, record, record.created_at)
        assert await store.get(key) == record

    async def test_get_unknown_key_returns_none_and_creates_nothing(
        self, store: SessionStore, backend: Backend
    ) -> None:
        _, existing = new_key()
        await store.create(existing, make_record(), time.time())
        before = await backend.count()
        _, unknown = new_key()
        assert await store.get(unknown) is None
        assert await backend.count() == before

    async def test_touch_replaces_an_existing_record(self, store: SessionStore) -> None:
        _, key = new_key()
        record = make_record()
        await store.create(key, record, record.created_at)
        later = record.created_at + 120
        touched = record.touched(later, IDLE)
        assert await store.touch(key, touched, later) is True
        assert await store.get(key) == touched

    async def test_touch_of_a_deleted_key_returns_false_and_writes_nothing(
        self, store: SessionStore, backend: Backend
    ) -> None:
        _, key = new_key()
        record = make_record()
        await store.create(key, record, record.created_at)
        assert await store.delete(key) is True
        assert await backend.count() == 0
        later = record.created_at + 60
        assert await store.touch(key, record.touched(later, IDLE), later) is False
        assert await store.get(key) is None
        assert await backend.count() == 0
        assert await store.list_for_user("alice") == []

    async def test_touch_of_a_never_created_key_returns_false(
        self, store: SessionStore, backend: Backend
    ) -> None:
        _, key = new_key()
        record = make_record()
        assert await store.touch(key, record, record.created_at) is False
        assert await backend.count() == 0

    async def test_delete_says_whether_the_record_existed(self, store: SessionStore) -> None:
        _, key = new_key()
        await store.create(key, make_record(), time.time())
        assert await store.delete(key) is True
        assert await store.get(key) is None
        assert await store.delete(key) is False
        _, never = new_key()
        assert await store.delete(never) is False

    async def test_list_for_user_returns_only_that_users_live_sessions(
        self, store: SessionStore
    ) -> None:
        now = time.time()
        alice = {new_key()[1]: make_record("alice", now + i) for i in range(3)}
        bob_key = new_key()[1]
        pending_key = new_key()[1]
        for key, record in alice.items():
            await store.create(key, record, now)
        await store.create(bob_key, make_record("bob", now), now)
        await store.create(pending_key, make_record(None, now), now)
        ended = next(iter(alice))
        await store.delete(ended)
        del alice[ended]

        listed = await store.list_for_user("alice")
        assert dict(listed) == alice
        assert [key for key, _ in listed] == list(alice)  # oldest first
        assert [key for key, _ in await store.list_for_user("bob")] == [bob_key]
        assert await store.list_for_user("carol") == []

    async def test_delete_for_user_removes_all_and_only_that_users_sessions(
        self, store: SessionStore
    ) -> None:
        now = time.time()
        alice = [new_key()[1] for _ in range(3)]
        bob, pending = new_key()[1], new_key()[1]
        for key in alice:
            await store.create(key, make_record("alice", now), now)
        await store.create(bob, make_record("bob", now), now)
        await store.create(pending, make_record(None, now), now)

        assert await store.delete_for_user("alice") == 3
        for key in alice:
            assert await store.get(key) is None
        assert await store.list_for_user("alice") == []
        assert await store.get(bob) is not None
        assert await store.get(pending) is not None
        assert await store.delete_for_user("alice") == 0

    async def test_count_for_user_is_never_below_the_live_sessions(
        self, store: SessionStore
    ) -> None:
        now = time.time()
        alice = [new_key()[1] for _ in range(3)]
        for key in alice:
            await store.create(key, make_record("alice", now), now)
        await store.create(new_key()[1], make_record("bob", now), now)
        await store.create(new_key()[1], make_record(None, now), now)

        assert await store.count_for_user("alice") == 3
        assert await store.count_for_user("bob") == 1
        assert await store.count_for_user("carol") == 0
        await store.delete(alice[0])
        assert await store.count_for_user("alice") >= len(await store.list_for_user("alice"))
        await store.delete_for_user("alice")
        assert await store.count_for_user("alice") == 0

    async def test_pending_sessions_are_in_no_user_index(
        self, store: SessionStore, backend: Backend
    ) -> None:
        _, key = new_key()
        await store.create(key, make_record(None), time.time())
        assert await backend.count() == 1  # the record alone: no index entry anywhere
        assert await store.list_for_user("None") == []
        assert await store.list_for_user("") == []
        assert await store.delete_for_user("None") == 0
        assert await store.get(key) is not None

    @pytest.mark.parametrize("odd_user", ["*", "alice*", "{alice}", "a?c", "[a-z]*", "用户 1"])
    async def test_user_ids_are_literal_never_patterns(
        self, store: SessionStore, odd_user: str
    ) -> None:
        now = time.time()
        alice, odd = new_key()[1], new_key()[1]
        await store.create(alice, make_record("alice", now), now)
        await store.create(odd, make_record(odd_user, now), now)
        assert [key for key, _ in await store.list_for_user(odd_user)] == [odd]
        assert await store.delete_for_user(odd_user) == 1
        assert await store.get(alice) is not None

    async def test_the_raw_token_is_never_stored(
        self, store: SessionStore, backend: Backend
    ) -> None:
        token, key = new_key()
        record = make_record()
        await store.create(key, record, record.created_at)
        later = record.created_at + 60
        await store.touch(key, record.touched(later, IDLE), later)
        await store.list_for_user("alice")
        dump = await backend.dump()
        assert key.encode() in dump  # the dump does see the keys...
        assert token.encode() not in dump  # ...and the token is not among them

    async def test_touch_racing_delete_never_resurrects(
        self, store: SessionStore, backend: Backend
    ) -> None:
        for _ in range(RACE_ROUNDS):
            _, key = new_key()
            record = make_record()
            await store.create(key, record, record.created_at)
            later = record.created_at + 60
            touched = record.touched(later, IDLE)
            touches = [store.touch(key, touched, later) for _ in range(RACE_TOUCHES)]
            await asyncio.gather(*touches[:4], store.delete(key), *touches[4:])
            assert await store.get(key) is None
        assert await backend.count() == 0
        assert await store.list_for_user("alice") == []

    async def test_touch_racing_delete_for_user_never_resurrects(
        self, store: SessionStore, backend: Backend
    ) -> None:
        now = time.time()
        keys = [new_key()[1] for _ in range(10)]
        records = {key: make_record("alice", now) for key in keys}
        for key, record in records.items():
            await store.create(key, record, now)
        later = now + 60
        touches = [store.touch(key, r.touched(later, IDLE), later) for key, r in records.items()]
        await asyncio.gather(*touches[:5], store.delete_for_user("alice"), *touches[5:])
        for key in keys:
            assert await store.get(key) is None
        assert await backend.count() == 0


# --- Redis ----------------------------------------------------------------------------------


class TestRedisStore(StoreContract):
    @pytest.fixture
    async def backend(self, redis_url: str) -> AsyncIterator[RedisBackend]:
        store = RedisSessionStore.from_url(redis_url)
        raw = redis.asyncio.Redis.from_url(redis_url)
        try:
            yield RedisBackend(store, raw)
        finally:
            await store.close()
            await raw.aclose()

    async def test_layout_and_ttl_follow_the_records_expiry(self, backend: RedisBackend) -> None:
        store, raw = backend.store, backend.raw
        now = time.time()
        _, key = new_key()
        await store.create(key, make_record("alice", now), now)
        assert await raw.get(f"wxs:s:{key}") is not None
        assert await raw.smembers("wxs:u:alice") == {key.encode()}
        assert IDLE * 1000 - 2000 < await raw.pttl(f"wxs:s:{key}") <= IDLE * 1000 + 1000

        _, capped = new_key()  # the absolute lifetime wins when it comes first
        await store.create(capped, make_record("bob", now, absolute_expires_at=now + 600), now)
        assert 598_000 < await raw.pttl(f"wxs:s:{capped}") <= 601_000

    async def test_user_index_lives_as_long_as_its_newest_member(
        self, backend: RedisBackend
    ) -> None:
        store, raw = backend.store, backend.raw
        now = time.time()
        short, long_ = new_key()[1], new_key()[1]
        await store.create(long_, make_record("alice", now, expires_at=now + 3000), now)
        await store.create(short, make_record("alice", now, expires_at=now + 100), now)
        assert await raw.pttl("wxs:u:alice") > 2_990_000  # a shorter member never shortens it

        record = make_record("alice", now, expires_at=now + 7200)
        assert await store.touch(short, record, now)
        assert await raw.pttl("wxs:u:alice") > 7_190_000

    async def test_expired_records_are_reclaimed_and_pruned_from_the_index(
        self, backend: RedisBackend
    ) -> None:
        store, raw = backend.store, backend.raw
        now = time.time()
        live, lapsing = new_key()[1], new_key()[1]
        await store.create(live, make_record("alice", now), now)
        await store.create(lapsing, make_record("alice", now, expires_at=now + 0.1), now)
        assert 0 < await raw.pttl(f"wxs:s:{lapsing}") <= 1000  # at least 1 s, rounded up
        await asyncio.sleep(1.1)
        assert await store.get(lapsing) is None
        assert [key for key, _ in await store.list_for_user("alice")] == [live]
        assert await raw.smembers("wxs:u:alice") == {live.encode()}

    async def test_prefix_separates_stores(self, backend: RedisBackend) -> None:
        other = RedisSessionStore(backend.raw, prefix="other:")
        now = time.time()
        _, key = new_key()
        await backend.store.create(key, make_record("alice", now), now)
        assert await other.get(key) is None
        assert await other.list_for_user("alice") == []
        assert await other.delete_for_user("alice") == 0
        assert await backend.store.get(key) is not None


class TestRedisClusterStore(TestRedisStore):
    """The same contract on a 3-master Redis Cluster: a command touching keys in two hash
    slots fails there (CROSSSLOT), so passing proves every call is cluster-safe."""

    @pytest.fixture
    async def backend(self, redis_cluster_url: str) -> AsyncIterator[RedisBackend]:
        store = RedisSessionStore.from_url(redis_cluster_url)
        raw = connect(redis_cluster_url)
        try:
            yield RedisBackend(store, raw)
        finally:
            await store.close()
            await raw.aclose()

    async def test_a_users_keys_spread_over_the_masters(self, backend: RedisBackend) -> None:
        """Not a tautology of the fixture: the records of one user do land in other slots
        than the index (and on other masters), and every call above still worked."""
        assert isinstance(backend.raw, redis.asyncio.RedisCluster)
        store, raw = backend.store, backend.raw
        await raw.initialize()
        now = time.time()
        keys = [new_key()[1] for _ in range(12)]
        for key in keys:
            await store.create(key, make_record("alice", now), now)
        slots = {raw.keyslot(store.record_key(key)) for key in keys}
        nodes = {raw.get_node_from_key(store.record_key(key)).name for key in keys}
        assert len(nodes) > 1  # 12 random slots on one of 3 masters: odds about 1 in 177,000
        assert slots - {raw.keyslot(store.index_key("alice"))}
        assert len(await store.list_for_user("alice")) == 12
        assert await store.delete_for_user("alice") == 12
        assert await backend.count() == 0


# --- SQL ------------------------------------------------------------------------------------


async def sql_backend(url: str) -> AsyncIterator[SqlBackend]:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(sessions_table.create)
    try:
        yield SqlBackend(SqlSessionStore(engine), engine)
    finally:
        await engine.dispose()


class SqlContract(StoreContract):
    """SQL-only checks: the row layout the migration creates, and the reclaim sweep."""

    async def test_row_holds_hash_user_effective_expiry_and_record(
        self, backend: SqlBackend
    ) -> None:
        now = time.time()
        _, key = new_key()
        record = make_record("alice", now, absolute_expires_at=now + 600)
        await backend.store.create(key, record, now)
        async with backend.engine.connect() as conn:
            row = (await conn.execute(select(sessions_table))).one()
        assert row.key_hash == key
        assert row.user_id == "alice"
        assert row.expires_at == now + 600
        assert bytes(row.data) == record.to_bytes()

    async def test_create_reclaims_expired_rows_at_most_once_a_minute(
        self, backend: SqlBackend
    ) -> None:
        store = backend.store
        now = time.time()
        old, young = new_key()[1], new_key()[1]
        await store.create(old, make_record("alice", now, expires_at=now + 10), now)
        await store.create(young, make_record("alice", now), now)

        _, soon = new_key()  # 'old' has expired, but the last sweep was < 1 min ago
        await store.create(soon, make_record("bob", now + 30), now + 30)
        assert await store.get(old) is not None

        _, later = new_key()
        await store.create(
            later, make_record("bob", now + RECLAIM_INTERVAL), now + RECLAIM_INTERVAL
        )
        assert await store.get(old) is None
        assert await store.get(young) is not None
        assert await backend.count() == 3

    async def test_reclaim_deletes_only_rows_expired_before_now(self, backend: SqlBackend) -> None:
        store = backend.store
        now = time.time()
        keys = [new_key()[1] for _ in range(3)]
        for offset, key in zip((10, 20, 30), keys, strict=True):
            record = make_record("alice", now + offset / 100, expires_at=now + offset)
            await store.create(key, record, now)
        assert await store.reclaim(now + 20) == 1
        assert await store.reclaim(now + 20) == 0
        assert [key for key, _ in await store.list_for_user("alice")] == keys[1:]


class TestSqliteStore(SqlContract):
    @pytest.fixture
    async def backend(self, sqlite_url: str) -> AsyncIterator[SqlBackend]:
        async for backend in sql_backend(sqlite_url):
            yield backend


class TestPostgresStore(SqlContract):
    @pytest.fixture
    async def backend(self, postgres_url: str) -> AsyncIterator[SqlBackend]:
        async for backend in sql_backend(postgres_url):
            yield backend
