"""Sessions in Redis: one string per session, one set per user for listing and revoking.

Layout (``prefix`` defaults to ``wxs:``)::

    {prefix}s:{key}      record.to_bytes(); TTL = whole seconds until the record expires
    {prefix}u:{user_id}  the keys of that user's sessions; TTL covers its newest member

The TTL only reclaims memory; SessionManager decides expiry from the record itself. An index
member can outlive its record (expiry, a lost write); ``list_for_user`` prunes those. Needs
Redis/Valkey >= 7.0 (``EXPIRE NX|GT``). One call touches keys in several hash slots, so this
store is for a standalone (or Sentinel-managed) server, not Cluster.

Key names are built only from storage keys (hex hashes) and user ids, never used as patterns;
the one Lua body is a constant.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import RedisError

from wxsession.errors import SessionStoreUnavailable
from wxsession.sessions.model import SessionRecord

# Replace a record only if it still exists (a renewal must not undo a logout), and keep the
# user's index pointing at it for at least as long as the record lives.
_TOUCH = """
if not redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'XX') then
  return 0
end
if #KEYS == 2 then
  redis.call('SADD', KEYS[2], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[2], 'NX')
  redis.call('EXPIRE', KEYS[2], ARGV[2], 'GT')
end
return 1
"""


class RedisSessionStore:
    """A :class:`~wxsession.sessions.store.SessionStore` over ``redis.asyncio``.

    The store owns ``client``: :meth:`close` closes it. Build one with :meth:`from_url` to get
    timeouts that fail fast instead of redis-py's defaults (5 s, retried 10 times).
    """

    def __init__(self, client: Redis, *, prefix: str = "wxs:") -> None:
        self.client = client
        self.prefix = prefix
        self._touch = client.register_script(_TOUCH)

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
        """A store on one pooled client for ``url`` (``redis://``, ``rediss://``, ``unix://``).

        Worst case per call is about two ``timeout``s (one retry with a short back-off), so a
        dead or hung Redis becomes a 503 well inside an HTTP budget.
        """
        client = Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(ExponentialWithJitterBackoff(cap=0.2, base=0.05), retries=1),
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
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.set(self.record_key(key), record.to_bytes(), ex=ttl)
                if record.user_id is not None:
                    index = self.index_key(record.user_id)
                    pipe.sadd(index, key)
                    pipe.expire(index, ttl, nx=True)
                    pipe.expire(index, ttl, gt=True)
                await pipe.execute()

    async def get(self, key: str) -> SessionRecord | None:
        with _unavailable():
            data = await self.client.get(self.record_key(key))
        return None if data is None else SessionRecord.from_bytes(data)

    async def touch(self, key: str, record: SessionRecord, now: float) -> bool:
        keys = [self.record_key(key)]
        if record.user_id is not None:
            keys.append(self.index_key(record.user_id))
        with _unavailable():
            done = await self._touch(keys=keys, args=[record.to_bytes(), _ttl(record, now), key])
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
            members = [_text(member) for member in await self.client.smembers(index)]
            if not members:
                return []
            values = await self.client.mget([self.record_key(member) for member in members])
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

    async def delete_for_user(self, user_id: str) -> int:
        # Remove only the members we saw (not the whole set): a session created meanwhile
        # keeps its index entry, so a later revoke still finds it.
        index = self.index_key(user_id)
        with _unavailable():
            members = [_text(member) for member in await self.client.smembers(index)]
            if not members:
                return 0
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.delete(*(self.record_key(member) for member in members))
                pipe.srem(index, *members)
                deleted, _ = await pipe.execute()
        return int(deleted)

    async def ping(self) -> None:
        with _unavailable():
            await self.client.ping()

    async def close(self) -> None:
        with _unavailable():
            await self.client.aclose()


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
