"""Sessions in Redis: a registered user's sessions in one hash, a pending one in a string.

Layout (``prefix`` defaults to ``wxs:``)::

    {prefix}h:{user_id}  field: 16 bytes of the token's SHA-256; value: the packed record
                         (:mod:`wxsession.sessions.packed`, at most 64 bytes); TTL covers the
                         newest member
    {prefix}s:{hex}      a pending session: record.to_bytes(); TTL = seconds until it lapses

A registered token names its user (:mod:`wxsession.core.tokens`), so a request finds the user's
hash and its field from the token alone, and a user's sessions need no separate index: the
hash is the index. Small fields and values keep the hash a listpack: about 160 to 190 bytes
of Redis memory for a user's first session and 60 to 70 for each further one
(``bench/redis_memory.py``, without and with a WeChat device label).

Every command names one key, so the same code runs on one server, under Sentinel and on a
Redis Cluster (where a multi-key command must not span hash slots); the renewal script
names one key too. A field has no TTL of its own (Redis 7.0 has no per-field expiry, and
this store needs nothing newer than 7.0's ``EXPIRE NX|GT``): the hash lives as long as its
newest member, and members that expired by their record's own times are dropped whenever
the hash is written by a login or listed, so a user's hash cannot grow without bound.
SessionManager still decides expiry from the record itself; TTLs only reclaim memory.

Records of registered users written before this layout (a string ``{prefix}s:{hex}`` per
session and a set ``{prefix}u:{user_id}``) still resolve by their old tokens until they
expire; they are not listed or counted, and the user's revocation epoch still ends them.

Key names are built only from storage keys and user ids, never used as patterns, and no
command scans the keyspace.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import cast

from redis.exceptions import RedisError

from wxsession.core import tokens
from wxsession.core.errors import SessionStoreUnavailable
from wxsession.core.record import SessionRecord
from wxsession.redis_topology import RedisClient, connect
from wxsession.sessions import packed
from wxsession.sessions.store import readable

_RENEW = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3], 'NX')
redis.call('EXPIRE', KEYS[1], ARGV[3], 'GT')
return 1
"""
"""Replace a field only while it exists (a renewal must not undo a logout) and let the hash
live at least as long as the renewed record: one key, one round trip, atomic."""

_CREATE = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3], 'NX')
redis.call('EXPIRE', KEYS[1], ARGV[3], 'GT')
return redis.call('HGETALL', KEYS[1])
"""
"""Add a session to its user's hash, let the hash live at least as long as the new record,
and read the hash back (to count the user's sessions and find the lapsed ones): one command
where a pipeline of four cost four times the client's CPU."""


class RedisSessionStore:
    """A :class:`~wxsession.sessions.store.SessionStore` over ``redis.asyncio`` (one server,
    Sentinel's master, or a cluster: see :mod:`wxsession.redis_topology`).

    The store owns ``client``: :meth:`close` closes it. Build one with :meth:`from_url` to get
    timeouts that fail fast instead of redis-py's defaults (5 s, retried 10 times).
    """

    def __init__(self, client: RedisClient, *, prefix: str = "wxs:") -> None:
        self.client = client
        self.prefix = prefix
        self._renew = client.register_script(_RENEW)
        self._create = client.register_script(_CREATE)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        prefix: str = "wxs:",
        timeout: float = 1.0,
        health_check_interval: int = 15,
        max_connections: int | None = None,
    ) -> RedisSessionStore:
        """A store on one pooled client for ``url`` (any form :mod:`~wxsession.redis_topology`
        reads). Worst case per call is about four ``timeout``s (a new connection's connect and
        read, retried once), so a dead or hung Redis becomes a 503 well inside an HTTP budget
        (``WXSESSION_REDIS_TIMEOUT``)."""
        client = connect(
            url,
            timeout=timeout,
            health_check_interval=health_check_interval,
            max_connections=max_connections,
        )
        return cls(client, prefix=prefix)

    def record_key(self, key: str) -> str:
        """The string key of a pending session (or of a registered one from before hashes)."""
        return f"{self.prefix}s:{key}"

    def user_key(self, user_id: str) -> str:
        """The hash of a registered user's sessions."""
        return f"{self.prefix}h:{user_id}"

    async def create(self, key: str, record: SessionRecord, now: float) -> int:
        ttl = _ttl(record, now)
        place = tokens.split_key(key)
        if place is None:
            with _unavailable():
                await self.client.set(self.record_key(key), record.to_bytes(), ex=ttl)
            return 0
        user_id, field = place
        hash_key = self.user_key(user_id)
        # The user's expired sessions are dropped in a second command, only when there are.
        with _unavailable():
            flat = await self._create(keys=[hash_key], args=[field, packed.pack(record), ttl])
            entries = dict(zip(flat[::2], flat[1::2], strict=True))
            stale = self._lapsed(user_id, entries, now, keep=field)
            if stale:
                await self.client.hdel(hash_key, *stale)
        return len(entries) - len(stale)

    async def get(self, key: str) -> SessionRecord | None:
        place = tokens.split_key(key)
        with _unavailable():
            if place is None:
                data = cast(bytes | None, await self.client.get(self.record_key(key)))
            else:
                data = cast(bytes | None, await self.client.hget(self.user_key(place[0]), place[1]))
        if data is None:
            return None
        if place is None:
            return readable(key, SessionRecord.from_bytes, data)
        return readable(key, partial(packed.unpack, key=key, user_id=place[0]), data)

    async def touch(self, key: str, record: SessionRecord, now: float) -> bool:
        ttl = _ttl(record, now)
        place = tokens.split_key(key)
        with _unavailable():
            if place is None:  # SET … XX writes only over a live record
                done = await self.client.set(
                    self.record_key(key), record.to_bytes(), ex=ttl, xx=True
                )
            else:
                hash_key = self.user_key(place[0])
                done = await self._renew(keys=[hash_key], args=[place[1], packed.pack(record), ttl])
        return bool(done)

    async def delete(self, key: str) -> bool:
        place = tokens.split_key(key)
        with _unavailable():
            if place is None:
                return bool(await self.client.delete(self.record_key(key)))
            return bool(await self.client.hdel(self.user_key(place[0]), place[1]))

    async def list_for_user(self, user_id: str, now: float) -> list[tuple[str, SessionRecord]]:
        hash_key = self.user_key(user_id)
        with _unavailable():
            entries = cast(dict[bytes, bytes], await self.client.hgetall(hash_key))
            found, stale = self._sort(user_id, entries, now)
            if stale:
                await self.client.hdel(hash_key, *stale)
        found.sort(key=lambda item: (item[1].created_at, item[0]))
        return found

    async def delete_for_user(self, user_id: str) -> int:
        # Exactly the fields we saw: a session created meanwhile (by a login that already
        # read the raised revocation epoch) survives.
        hash_key = self.user_key(user_id)
        with _unavailable():
            fields = await self.client.hkeys(hash_key)
            if not fields:
                return 0
            return int(await self.client.hdel(hash_key, *fields))

    async def ping(self) -> None:
        with _unavailable():
            await self.client.ping()

    async def close(self) -> None:
        with _unavailable():
            await self.client.aclose()

    @staticmethod
    def _lapsed(user_id: str, entries: dict[bytes, bytes], now: float, keep: bytes) -> list[bytes]:
        """The fields of a user's hash to drop at ``now``: lapsed, or unreadable; ``keep``, the
        session just written, stays. Reads only each record's head (:func:`packed.lapses_at`):
        a login does this for every session the user has."""
        stale: list[bytes] = []
        for field, value in entries.items():
            if field == keep:
                continue
            lapses = readable(tokens.registered_key(user_id, field), packed.lapses_at, value)
            if lapses is None or lapses <= now:
                stale.append(field)
        return stale

    @staticmethod
    def _sort(
        user_id: str, entries: dict[bytes, bytes], now: float
    ) -> tuple[list[tuple[str, SessionRecord]], list[bytes]]:
        """Split a user's hash into its live sessions and the fields to drop: expired at
        ``now`` or unreadable."""
        live: list[tuple[str, SessionRecord]] = []
        stale: list[bytes] = []
        for field, value in entries.items():
            key = tokens.registered_key(user_id, field)
            record = readable(key, partial(packed.unpack, key=key, user_id=user_id), value)
            if record is not None and not record.is_expired(now):
                live.append((key, record))
            else:
                stale.append(field)
        return live, stale


def _ttl(record: SessionRecord, now: float) -> int:
    """Whole seconds until the record lapses, rounded up, at least 1 (``EX 0`` is an error)."""
    return max(1, math.ceil(min(record.expires_at, record.absolute_expires_at) - now))


@contextmanager
def _unavailable() -> Iterator[None]:
    """Translate any failure to reach or use Redis; never let it pass for "not found"."""
    try:
        yield
    except (RedisError, OSError) as exc:
        raise SessionStoreUnavailable() from exc
