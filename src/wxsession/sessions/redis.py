"""Sessions in Redis: one string per session, one set per user for listing and revoking.

Layout (``prefix`` defaults to ``wxs:``)::

    {prefix}s:{key}      record.to_bytes(); TTL = whole seconds until the record expires
    {prefix}u:{user_id}  the keys of that user's sessions; TTL covers its newest member

Every command names one key, so the same code runs on one server, under Sentinel and on a
Redis Cluster, where a multi-key command or script must not span hash slots. A record and
its user's index cannot share a slot: a request presents only the token, so the record's key
can hold nothing but the token's hash (putting the user's tag in it would mean putting the
user in the token). Instead the two are kept consistent by order and by one invariant:

* the index is a superset of the user's live records. ``create`` writes the index entry with
  the record, before the token is handed out (if either write fails the login is a 503 and
  the record unreachable); ``touch`` only ever extends the index's TTL, never adds to it, so
  a touch racing a delete cannot leave an entry behind; deletes remove the record first.
* an entry whose record is gone is harmless: ``list_for_user`` skips and prunes it.
* revocation does not depend on these deletes at all: the user's SQL epoch is raised first
  (``sessions/revocation.py``), so a record a lost delete leaves behind is already dead.

Commands to several keys go out as one non-transactional pipeline (one round trip per node).
The TTL only reclaims memory; SessionManager decides expiry from the record itself. Needs
Redis/Valkey >= 7.0 (``EXPIRE NX|GT``). Key names are built only from storage keys (hex
hashes) and user ids, never used as patterns, and no command scans the keyspace.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from redis.exceptions import RedisError

from wxsession.errors import SessionStoreUnavailable
from wxsession.redis_topology import RedisClient, connect
from wxsession.sessions.model import SessionRecord


class RedisSessionStore:
    """A :class:`~wxsession.sessions.store.SessionStore` over ``redis.asyncio`` (one server,
    Sentinel's master, or a cluster: see :mod:`wxsession.redis_topology`).

    The store owns ``client``: :meth:`close` closes it. Build one with :meth:`from_url` to get
    timeouts that fail fast instead of redis-py's defaults (5 s, retried 10 times).
    """

    def __init__(self, client: RedisClient, *, prefix: str = "wxs:") -> None:
        self.client = client
        self.prefix = prefix

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
        return f"{self.prefix}s:{key}"

    def index_key(self, user_id: str) -> str:
        return f"{self.prefix}u:{user_id}"

    async def create(self, key: str, record: SessionRecord, now: float) -> None:
        ttl = _ttl(record, now)
        with _unavailable():
            async with self.client.pipeline(transaction=False) as pipe:
                if record.user_id is not None:
                    index = self.index_key(record.user_id)
                    pipe.sadd(index, key)
                    _cover(pipe, index, ttl)
                pipe.set(self.record_key(key), record.to_bytes(), ex=ttl)
                await pipe.execute()

    async def get(self, key: str) -> SessionRecord | None:
        with _unavailable():
            data = await self.client.get(self.record_key(key))
        return None if data is None else SessionRecord.from_bytes(data)

    async def touch(self, key: str, record: SessionRecord, now: float) -> bool:
        # SET … XX writes only over a live record (a renewal must not undo a logout). The
        # index TTL is extended in the same round trip whatever SET did: EXPIRE never creates
        # a key, so at worst a vanished session keeps its user's index alive a little longer.
        ttl = _ttl(record, now)
        with _unavailable():
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.set(self.record_key(key), record.to_bytes(), ex=ttl, xx=True)
                if record.user_id is not None:
                    _cover(pipe, self.index_key(record.user_id), ttl)
                done = (await pipe.execute())[0]
        return bool(done)

    async def delete(self, key: str) -> bool:
        with _unavailable():
            data = await self.client.getdel(self.record_key(key))
            if data is None:
                return False
            user_id = SessionRecord.from_bytes(data).user_id
            if user_id is not None:
                await self.client.srem(self.index_key(user_id), key)
        return True

    async def list_for_user(self, user_id: str) -> list[tuple[str, SessionRecord]]:
        index = self.index_key(user_id)
        found: list[tuple[str, SessionRecord]] = []
        gone: list[str] = []
        with _unavailable():
            members = await self._members(index)
            if not members:
                return []
            async with self.client.pipeline(transaction=False) as pipe:
                for member in members:
                    pipe.get(self.record_key(member))
                values = await pipe.execute()
            for member, value in zip(members, values, strict=True):
                record = None if value is None else SessionRecord.from_bytes(value)
                if record is None or record.user_id != user_id:
                    gone.append(member)
                else:
                    found.append((member, record))
            if gone:
                await self.client.srem(index, *gone)
        found.sort(key=lambda item: (item[1].created_at, item[0]))
        return found

    async def count_for_user(self, user_id: str) -> int:
        """SCARD of the user's index: a superset of their live records (see above)."""
        with _unavailable():
            return int(await self.client.scard(self.index_key(user_id)))

    async def delete_for_user(self, user_id: str) -> int:
        # Records first, then exactly the entries we saw: a session created meanwhile keeps
        # its entry, so a later revoke still finds it.
        index = self.index_key(user_id)
        with _unavailable():
            members = await self._members(index)
            if not members:
                return 0
            async with self.client.pipeline(transaction=False) as pipe:
                for member in members:
                    pipe.delete(self.record_key(member))
                deleted = sum(await pipe.execute())
            await self.client.srem(index, *members)
        return int(deleted)

    async def ping(self) -> None:
        with _unavailable():
            await self.client.ping()

    async def close(self) -> None:
        with _unavailable():
            await self.client.aclose()

    async def _members(self, index: str) -> list[str]:
        return [_text(member) for member in await self.client.smembers(index)]


def _cover(pipe: Any, index: str, ttl: int) -> None:
    """Queue: let ``index`` live at least ``ttl`` more seconds (never shorten it)."""
    pipe.expire(index, ttl, nx=True)
    pipe.expire(index, ttl, gt=True)


def _ttl(record: SessionRecord, now: float) -> int:
    """Whole seconds until the record lapses, rounded up, at least 1 (``EX 0`` is an error)."""
    return max(1, math.ceil(min(record.expires_at, record.absolute_expires_at) - now))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@contextmanager
def _unavailable() -> Iterator[None]:
    """Translate any failure to reach or use Redis; never let it pass for "not found"."""
    try:
        yield
    except (RedisError, OSError) as exc:
        raise SessionStoreUnavailable() from exc
