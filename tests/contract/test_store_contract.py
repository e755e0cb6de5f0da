"""The SessionStore contract, run on every backend against a real server.

:class:`StoreContract` holds the tests; each ``Test*Store`` subclass supplies a ``backend``
fixture: the store plus a raw view of what it keeps (entry count, every stored byte), so the
tests check the server's contents, not only what the store says about them.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import orjson
import pytest
import redis.asyncio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.records import ALICE, BOB, CAROL, IDLE, make_record, new_key, new_session
from wxsession.core import tokens
from wxsession.core.record import SessionRecord
from wxsession.db import create_engine
from wxsession.redis_topology import connect
from wxsession.sessions import packed
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

    def address(self, key: str) -> bytes:
        """What the server holds to find the record of ``key``."""
        return key.encode()

    def kept(self, key: str, record: SessionRecord) -> SessionRecord:
        """``record`` as the store gives it back: exactly, unless it keeps less precision."""
        return record


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
            kind = await self.raw.type(key)
            if kind == b"set":
                parts.extend(_bytes(member) for member in await self.raw.smembers(key))
            elif kind == b"hash":
                for field, value in (await self.raw.hgetall(key)).items():
                    parts.extend((field, value))
            else:
                parts.append(_bytes(await self.raw.get(key) or b""))
        return b"\n".join(parts)

    def address(self, key: str) -> bytes:
        place = tokens.split_key(key)
        return key.encode() if place is None else place[1]

    def kept(self, key: str, record: SessionRecord) -> SessionRecord:
        """A registered session's times are whole milliseconds, floored."""
        if tokens.split_key(key) is None:
            return record

        def floored(seconds: float) -> float:
            return packed.milliseconds(seconds) / 1000

        return replace(
            record,
            created_at=floored(record.created_at),
            last_seen=floored(record.last_seen),
            expires_at=floored(record.expires_at),
            absolute_expires_at=floored(record.absolute_expires_at),
        )


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


def odd_key(user_id: str) -> str:
    """A store key of a user whose id no token could carry (the store must not care)."""
    return tokens.registered_key(user_id, secrets.token_bytes(tokens.FIELD_BYTES))


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
        ("user_id", "overrides"),
        [
            (ALICE, {}),
            (None, {}),
            (ALICE, {"user_agent": None, "ip": None, "last_seen": 1.5e9 + 0.123456789}),
            (ALICE, {"ip": "2001:db8:85a3::8a2e:370:7334", "epoch": 7, "provider": "x" * 40}),
            (None, {"user_agent": None, "ip": None, "union_id": None, "session_key": None}),
        ],
        ids=["registered", "pending", "sparse", "ipv6-epoch-odd-provider", "pending-sparse"],
    )
    async def test_create_then_get_preserves_every_field(
        self,
        store: SessionStore,
        backend: Backend,
        user_id: str | None,
        overrides: dict[str, Any],
    ) -> None:
        key, record = new_session(user_id, **overrides)
        await store.create(key, record, record.created_at)
        assert await store.get(key) == backend.kept(key, record)

    async def test_get_unknown_key_returns_none_and_creates_nothing(
        self, store: SessionStore, backend: Backend
    ) -> None:
        existing, record = new_session(ALICE)
        await store.create(existing, record, time.time())
        before = await backend.count()
        for user_id in (ALICE, BOB, None):
            assert await store.get(new_key(user_id)[1]) is None
        assert await backend.count() == before

    async def test_create_returns_how_many_sessions_the_user_holds(
        self, store: SessionStore
    ) -> None:
        now = time.time()
        for held in (1, 2, 3):
            key, record = new_session(ALICE, now)
            assert await store.create(key, record, now) == held
        key, record = new_session(BOB, now)
        assert await store.create(key, record, now) == 1
        key, record = new_session(None, now)
        assert await store.create(key, record, now) == 0
        key, record = new_session(ALICE, now)
        await store.delete(key)  # never created: nothing changes
        assert await store.create(*new_session(ALICE, now), now) == 4

    async def test_touch_replaces_an_existing_record(
        self, store: SessionStore, backend: Backend
    ) -> None:
        for user_id in (ALICE, None):
            key, record = new_session(user_id)
            await store.create(key, record, record.created_at)
            later = record.created_at + 120
            touched = record.touched(later, IDLE)
            assert await store.touch(key, touched, later) is True
            assert await store.get(key) == backend.kept(key, touched)

    async def test_touch_of_a_deleted_key_returns_false_and_writes_nothing(
        self, store: SessionStore, backend: Backend
    ) -> None:
        for user_id in (ALICE, None):
            key, record = new_session(user_id)
            await store.create(key, record, record.created_at)
            assert await store.delete(key) is True
            assert await backend.count() == 0
            later = record.created_at + 60
            assert await store.touch(key, record.touched(later, IDLE), later) is False
            assert await store.get(key) is None
            assert await backend.count() == 0
            assert await store.list_for_user(ALICE, later) == []

    async def test_touch_of_a_never_created_key_returns_false(
        self, store: SessionStore, backend: Backend
    ) -> None:
        for user_id in (ALICE, None):
            key, record = new_session(user_id)
            assert await store.touch(key, record, record.created_at) is False
            assert await backend.count() == 0

    async def test_delete_says_whether_the_record_existed(self, store: SessionStore) -> None:
        for user_id in (ALICE, None):
            key, record = new_session(user_id)
            await store.create(key, record, time.time())
            assert await store.delete(key) is True
            assert await store.get(key) is None
            assert await store.delete(key) is False
            assert await store.delete(new_key(user_id)[1]) is False

    async def test_list_for_user_returns_only_that_users_live_sessions(
        self, store: SessionStore, backend: Backend
    ) -> None:
        now = time.time()
        alice = dict(new_session(ALICE, now + i) for i in range(3))
        bob_key, bob = new_session(BOB, now)
        pending_key, pending = new_session(None, now)
        for key, record in alice.items():
            await store.create(key, record, now)
        await store.create(bob_key, bob, now)
        await store.create(pending_key, pending, now)
        ended = next(iter(alice))
        await store.delete(ended)
        del alice[ended]

        listed = await store.list_for_user(ALICE, now)
        assert dict(listed) == {key: backend.kept(key, r) for key, r in alice.items()}
        assert [key for key, _ in listed] == list(alice)  # oldest first
        assert [key for key, _ in await store.list_for_user(BOB, now)] == [bob_key]
        assert await store.list_for_user(CAROL, now) == []

    async def test_list_for_user_leaves_out_sessions_expired_at_now(
        self, store: SessionStore
    ) -> None:
        now = time.time()
        lapsing_key, lapsing = new_session(ALICE, now, expires_at=now + 100)
        capped_key, capped = new_session(ALICE, now, absolute_expires_at=now + 200)
        live_key, live = new_session(ALICE, now)
        for key, record in ((lapsing_key, lapsing), (capped_key, capped), (live_key, live)):
            await store.create(key, record, now)
        assert len(await store.list_for_user(ALICE, now + 99)) == 3
        assert {k for k, _ in await store.list_for_user(ALICE, now + 100)} == {
            capped_key,
            live_key,
        }
        assert [k for k, _ in await store.list_for_user(ALICE, now + 200)] == [live_key]
        assert await store.get(live_key) is not None

    async def test_delete_for_user_removes_all_and_only_that_users_sessions(
        self, store: SessionStore
    ) -> None:
        now = time.time()
        alice = [new_session(ALICE, now) for _ in range(3)]
        bob, pending = new_session(BOB, now), new_session(None, now)
        for key, record in (*alice, bob, pending):
            await store.create(key, record, now)

        assert await store.delete_for_user(ALICE) == 3
        for key, _ in alice:
            assert await store.get(key) is None
        assert await store.list_for_user(ALICE, now) == []
        assert await store.get(bob[0]) is not None
        assert await store.get(pending[0]) is not None
        assert await store.delete_for_user(ALICE) == 0

    async def test_pending_sessions_are_in_no_user_index(
        self, store: SessionStore, backend: Backend
    ) -> None:
        key, record = new_session(None)
        now = time.time()
        assert await store.create(key, record, now) == 0
        assert await backend.count() == 1  # the record alone: no index entry anywhere
        assert await store.list_for_user("None", now) == []
        assert await store.list_for_user("", now) == []
        assert await store.delete_for_user("None") == 0
        assert await store.get(key) is not None

    @pytest.mark.parametrize("odd_user", ["*", "alice*", "{alice}", "a?c", "[a-z]*", "用户 1"])
    async def test_user_ids_are_literal_never_patterns(
        self, store: SessionStore, backend: Backend, odd_user: str
    ) -> None:
        now = time.time()
        alice_key, alice = new_session(ALICE, now)
        odd = odd_key(odd_user)
        await store.create(alice_key, alice, now)
        odd_record = make_record(odd_user, now, odd)
        assert await store.create(odd, odd_record, now) == 1
        assert await store.get(odd) == backend.kept(odd, odd_record)
        assert [key for key, _ in await store.list_for_user(odd_user, now)] == [odd]
        assert await store.delete_for_user(odd_user) == 1
        assert await store.get(alice_key) is not None

    async def test_the_raw_token_is_never_stored(
        self, store: SessionStore, backend: Backend
    ) -> None:
        for user_id in (ALICE, None):
            token, key = new_key(user_id)
            record = make_record(user_id, key=key)
            await store.create(key, record, record.created_at)
            later = record.created_at + 60
            await store.touch(key, record.touched(later, IDLE), later)
            await store.list_for_user(ALICE, later)
            dump = await backend.dump()
            assert backend.address(key) in dump  # the dump does see the record's address...
            secret = token.rpartition(".")[2]
            assert secret.encode() not in dump  # ...and no token, not even its secret part
            assert token.encode() not in dump

    async def test_touch_racing_delete_never_resurrects(
        self, store: SessionStore, backend: Backend
    ) -> None:
        for round_ in range(RACE_ROUNDS):
            key, record = new_session(ALICE if round_ % 2 else None)
            await store.create(key, record, record.created_at)
            later = record.created_at + 60
            touched = record.touched(later, IDLE)
            touches = [store.touch(key, touched, later) for _ in range(RACE_TOUCHES)]
            await asyncio.gather(*touches[:4], store.delete(key), *touches[4:])
            assert await store.get(key) is None
        assert await backend.count() == 0
        assert await store.list_for_user(ALICE, time.time()) == []

    async def test_touch_racing_delete_for_user_never_resurrects(
        self, store: SessionStore, backend: Backend
    ) -> None:
        now = time.time()
        records = dict(new_session(ALICE, now) for _ in range(10))
        for key, record in records.items():
            await store.create(key, record, now)
        later = now + 60
        touches = [store.touch(key, r.touched(later, IDLE), later) for key, r in records.items()]
        await asyncio.gather(*touches[:5], store.delete_for_user(ALICE), *touches[5:])
        for key in records:
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
        token, key = new_key(ALICE)
        await store.create(key, make_record(ALICE, now, key), now)
        field = hashlib.sha256(token.encode()).digest()[:16]
        assert await raw.hkeys(f"wxs:h:{ALICE}") == [field]
        value = await raw.hget(f"wxs:h:{ALICE}", field)
        assert value is not None and len(value) <= 64
        assert await raw.object("encoding", f"wxs:h:{ALICE}") == b"listpack"
        assert IDLE * 1000 - 2000 < await raw.pttl(f"wxs:h:{ALICE}") <= IDLE * 1000 + 1000

        pending_token, pending = new_key(None)  # a pending session: a string, as before
        assert pending == hashlib.sha256(pending_token.encode()).hexdigest()
        await store.create(pending, make_record(None, now, pending), now)
        assert SessionRecord.from_bytes(await raw.get(f"wxs:s:{pending}")).subject is not None

        capped, record = new_session(BOB, now, absolute_expires_at=now + 600)
        await store.create(capped, record, now)  # the absolute lifetime wins when it is first
        assert 598_000 < await raw.pttl(f"wxs:h:{BOB}") <= 601_000
        assert await backend.count() == 3

    async def test_user_hash_lives_as_long_as_its_newest_member(
        self, backend: RedisBackend
    ) -> None:
        store, raw = backend.store, backend.raw
        now = time.time()
        long_, long_record = new_session(ALICE, now, expires_at=now + 3000)
        short, short_record = new_session(ALICE, now, expires_at=now + 100)
        await store.create(long_, long_record, now)
        await store.create(short, short_record, now)
        assert await raw.pttl(f"wxs:h:{ALICE}") > 2_990_000  # a shorter one never shortens it

        assert await store.touch(short, replace(short_record, expires_at=now + 7200), now)
        assert await raw.pttl(f"wxs:h:{ALICE}") > 7_190_000

    async def test_expired_members_are_dropped_when_the_hash_is_written_or_listed(
        self, backend: RedisBackend
    ) -> None:
        store, raw = backend.store, backend.raw
        now = time.time()
        lapsing = [new_session(ALICE, now, expires_at=now + 100 + 10 * i) for i in range(3)]
        for key, record in lapsing:
            await store.create(key, record, now)
        assert await raw.hlen(f"wxs:h:{ALICE}") == 3

        later = now + 105  # the first has lapsed by its own times (the hash's TTL has not)
        key, record = new_session(ALICE, later)
        assert await store.create(key, record, later) == 3
        assert await raw.hlen(f"wxs:h:{ALICE}") == 3
        assert await store.get(lapsing[0][0]) is None

        assert [k for k, _ in await store.list_for_user(ALICE, now + 200)] == [key]
        assert await raw.hlen(f"wxs:h:{ALICE}") == 1  # listing dropped the other two

    async def test_pending_records_are_reclaimed_by_their_ttl(self, backend: RedisBackend) -> None:
        store, raw = backend.store, backend.raw
        now = time.time()
        key, record = new_session(None, now, expires_at=now + 0.1)
        await store.create(key, record, now)
        assert 0 < await raw.pttl(f"wxs:s:{key}") <= 1000  # at least 1 s, rounded up
        await asyncio.sleep(1.1)
        assert await store.get(key) is None
        assert await backend.count() == 0

    async def test_times_are_kept_in_whole_milliseconds_floored(
        self, backend: RedisBackend
    ) -> None:
        start = 1_700_000_000.0009  # 0.9 ms past a millisecond
        key, record = new_session(ALICE, start, expires_at=1_700_000_060.0004)
        await backend.store.create(key, record, start)
        got = await backend.store.get(key)
        assert got is not None
        assert got.created_at == 1_700_000_000.0
        assert got.expires_at == 1_700_000_060.0  # never later than the record said
        assert got.absolute_expires_at <= record.absolute_expires_at

    async def test_a_garbled_record_is_no_session_not_an_error(self, backend: RedisBackend) -> None:
        store, raw = backend.store, backend.raw
        now = time.time()
        key, record = new_session(ALICE, now)
        live, live_record = new_session(ALICE, now)
        await store.create(key, record, now)
        await store.create(live, live_record, now)
        place = tokens.split_key(key)
        assert place is not None
        await raw.hset(f"wxs:h:{ALICE}", place[1], b"\xff\x00junk")
        pending, _ = new_session(None, now)
        await raw.set(f"wxs:s:{pending}", b"[9, 1, 2]")

        assert await store.get(key) is None
        assert await store.get(pending) is None
        assert [k for k, _ in await store.list_for_user(ALICE, now)] == [live]
        assert await raw.hlen(f"wxs:h:{ALICE}") == 1  # the unreadable member was dropped

    async def test_a_login_drops_a_garbled_member_and_does_not_count_it(
        self, backend: RedisBackend
    ) -> None:
        store, raw = backend.store, backend.raw
        now = time.time()
        garbled, record = new_session(ALICE, now)
        await store.create(garbled, record, now)
        place = tokens.split_key(garbled)
        assert place is not None
        await raw.hset(f"wxs:h:{ALICE}", place[1], b"\xff\x00junk")

        fresh, fresh_record = new_session(ALICE, now)
        assert await store.create(fresh, fresh_record, now) == 1
        assert await raw.hkeys(f"wxs:h:{ALICE}") == [tokens.split_key(fresh)[1]]  # type: ignore[index]

    async def test_sessions_from_before_the_hash_layout_still_resolve(
        self, backend: RedisBackend
    ) -> None:
        """An upgrade logs nobody out: a registered user's old 43-character token still finds
        its old string record (either old encoding), which renews and ends as before. It is
        no longer listed; the user's revocation epoch still ends it."""
        store, raw = backend.store, backend.raw
        now = time.time()
        old = replace(make_record(None, now), user_id=ALICE, public_id="0123456789abcdef01234567")
        array_token, object_token = tokens.new_token(), tokens.new_token()
        array_key, object_key = tokens.storage_key(array_token), tokens.storage_key(object_token)
        await raw.set(f"wxs:s:{array_key}", old.to_bytes(), ex=IDLE)
        fields = {name: getattr(old, name) for name in SessionRecord.__dataclass_fields__}
        await raw.set(f"wxs:s:{object_key}", orjson.dumps(fields), ex=IDLE)
        await raw.sadd(f"wxs:u:{ALICE}", array_key, object_key)

        for key in (array_key, object_key):
            assert await store.get(key) == old
        later = now + 60
        assert await store.touch(array_key, old.touched(later, IDLE), later)
        assert await store.get(array_key) == old.touched(later, IDLE)
        assert await store.list_for_user(ALICE, later) == []
        assert await store.delete(object_key) is True
        assert await store.get(object_key) is None

    async def test_a_users_hash_stays_a_listpack_with_ipv6_and_a_wechat_label(
        self, backend: RedisBackend
    ) -> None:
        store, raw = backend.store, backend.raw
        now = time.time()
        ip = "2408:8256:3480:1a2b:3c4d:5e6f:7a8b:9c0d"
        for _ in range(5):
            key, record = new_session(ALICE, now, ip=ip, user_agent="Android WeChat 8.0")
            await store.create(key, record, now)
            late = now + 29 * 86400  # renewed late in a 30-day life: the longest times
            await store.touch(key, replace(record, last_seen=late, expires_at=late + 7200), now)
        assert await raw.object("encoding", f"wxs:h:{ALICE}") == b"listpack"

    async def test_prefix_separates_stores(self, backend: RedisBackend) -> None:
        other = RedisSessionStore(backend.raw, prefix="other:")
        now = time.time()
        for user_id in (ALICE, None):
            key, record = new_session(user_id, now)
            await backend.store.create(key, record, now)
            assert await other.get(key) is None
            assert await other.list_for_user(ALICE, now) == []
            assert await other.delete_for_user(ALICE) == 0
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

    async def test_users_spread_over_the_masters(self, backend: RedisBackend) -> None:
        """Not a tautology of the fixture: different users' hashes (and pending sessions)
        land on different masters, and every call above still worked."""
        assert isinstance(backend.raw, redis.asyncio.RedisCluster)
        store, raw = backend.store, backend.raw
        await raw.initialize()
        now = time.time()
        users = [secrets.token_hex(16) for _ in range(12)]
        for user_id in users:
            await store.create(*new_session(user_id, now), now)
        nodes = {raw.get_node_from_key(store.user_key(user_id)).name for user_id in users}
        assert len(nodes) > 1  # 12 random slots on one of 3 masters: odds about 1 in 177,000
        for user_id in users:
            assert len(await store.list_for_user(user_id, now)) == 1
            assert await store.delete_for_user(user_id) == 1
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
        key, record = new_session(ALICE, now, absolute_expires_at=now + 600)
        await backend.store.create(key, record, now)
        async with backend.engine.connect() as conn:
            row = (await conn.execute(select(sessions_table))).one()
        assert row.key_hash == key
        assert row.user_id == ALICE
        assert row.expires_at == now + 600
        assert bytes(row.data) == record.to_bytes()

    async def test_create_reclaims_expired_rows_at_most_once_a_minute(
        self, backend: SqlBackend
    ) -> None:
        store = backend.store
        now = time.time()
        old, old_record = new_session(ALICE, now, expires_at=now + 10)
        young, young_record = new_session(ALICE, now)
        await store.create(old, old_record, now)
        await store.create(young, young_record, now)

        # 'old' has expired, but the last sweep was < 1 min ago
        await store.create(*new_session(BOB, now + 30), now + 30)
        assert await store.get(old) is not None

        later = now + RECLAIM_INTERVAL
        await store.create(*new_session(BOB, later), later)
        assert await store.get(old) is None
        assert await store.get(young) is not None
        assert await backend.count() == 3

    async def test_reclaim_deletes_only_rows_expired_before_now(self, backend: SqlBackend) -> None:
        store = backend.store
        now = time.time()
        keys = []
        for offset in (10, 20, 30):
            key, record = new_session(ALICE, now + offset / 100, expires_at=now + offset)
            await store.create(key, record, now)
            keys.append(key)
        assert await store.reclaim(now + 20) == 1
        assert await store.reclaim(now + 20) == 0
        assert [key for key, _ in await store.list_for_user(ALICE, now)] == keys[1:]


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
