"""One-time secrets in the session store's Redis (see :mod:`wxsession.throttle.one_time`).

One hash per key, ``{prefix}otp:{key}`` with fields ``d`` (digest), ``e`` (expires at, the
service's clock) and ``t`` (tries); its Redis TTL only reclaims memory, the expiry that
counts is ``e``. Both operations are one command on one key (a ``MULTI`` and a script), so
they are atomic and run the same on one server, under Sentinel and on a cluster.
"""

from __future__ import annotations

import math
import time

from redis.exceptions import RedisError

from wxsession.core.errors import SessionStoreUnavailable
from wxsession.redis_topology import RedisClient

_SPEND = """
local e = redis.call('HGET', KEYS[1], 'e')
if not e or tonumber(e) <= tonumber(ARGV[3]) then return 0 end
local t = redis.call('HINCRBY', KEYS[1], 't', 1)
if t > tonumber(ARGV[2]) then return 0 end
if redis.call('HGET', KEYS[1], 'd') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""
"""Count a try, then compare; a match deletes the secret. Atomic: a script."""

_PUT = """
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'd', ARGV[1], 'e', ARGV[2], 't', 0)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""
"""Replace the secret and its tries (a script: ``MULTI`` is not on every cluster client)."""

GRACE = 60
"""Seconds the hash outlives its expiry in Redis (the service's clock and Redis's differ)."""
MAX_TTL = 86_400


class RedisOneTimeStore:
    """:class:`~wxsession.throttle.one_time.OneTimeStore` on the session store's client (not
    owned: never closed here)."""

    def __init__(self, client: RedisClient, *, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self._spend = client.register_script(_SPEND)
        self._put = client.register_script(_PUT)

    def _key(self, key: str) -> str:
        return f"{self.prefix}otp:{key}"

    async def put(self, key: str, digest: str, expires_at: float) -> None:
        seconds = min(MAX_TTL, max(0, math.ceil(expires_at - time.time()))) + GRACE
        try:
            await self._put(keys=[self._key(key)], args=[digest, repr(expires_at), seconds])
        except (RedisError, OSError) as exc:
            raise SessionStoreUnavailable() from exc

    async def spend(self, key: str, digest: str, *, max_tries: int, now: float) -> bool:
        try:
            matched = await self._spend(keys=[self._key(key)], args=[digest, max_tries, repr(now)])
        except (RedisError, OSError) as exc:
            raise SessionStoreUnavailable() from exc
        return bool(matched)
