"""Where the throttles' counters live: a ``limits`` async storage that also gives one back.

:class:`WindowStorage` is ``limits``' async storage contract with the moving window, plus
what the throttles need: :meth:`~WindowStorage.release_entry` (a success gives back the
attempt it reserved, so only failures count), :meth:`~WindowStorage.now` (the clock the
storage stamps entries with, to turn a window's reset time into ``Retry-After``, see
:func:`retry_after`) and :meth:`~WindowStorage.failing_closed` (an unreachable store is a 503).

:class:`RedisWindowStorage` is ``limits``' own Redis storage on the session store's
connection pool; :class:`~wxsession.throttle.sql.SqlWindowStorage` keeps counters in SQL.
"""

from __future__ import annotations

import functools
import math
import time
from abc import abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager

from limits.aio.storage import MovingWindowSupport, RedisStorage, Storage
from limits.errors import StorageError
from redis.asyncio import Redis, RedisCluster

from wxsession.core.errors import SessionStoreUnavailable


class WindowStorage(Storage, MovingWindowSupport):
    """``limits``' async storage with moving-window support, plus the methods above."""

    @abstractmethod
    async def release_entry(self, key: str) -> None:
        """Drop the newest entry of moving window ``key`` (nothing if it has none)."""

    @abstractmethod
    def now(self) -> float:
        """The Unix time the storage stamps entries with."""

    @contextmanager
    def failing_closed(self) -> Iterator[None]:
        """Any failure to reach the counters is a 503: with them out of reach, no attempt goes
        through unthrottled."""
        try:
            yield
        except self._caught as exc:
            raise SessionStoreUnavailable() from exc

    @functools.cached_property
    def _caught(self) -> tuple[type[BaseException], ...]:
        """What a failure to reach the counters raises (worked out once per storage)."""
        errors = self.base_exceptions
        return (StorageError, OSError, *(errors if isinstance(errors, tuple) else [errors]))


def retry_after(reset_time: float, now: float) -> int:
    """``Retry-After`` for a window that frees a slot at ``reset_time``: the first whole second
    after it, at least 1 (an entry exactly a window old still counts, as in limits' storages)."""
    return max(1, math.floor(reset_time - now) + 1)


class RedisWindowStorage(RedisStorage, WindowStorage):
    """``limits``' Redis storage (redis-py flavour) on the session store's own client, so the
    counters get its topology (one server, Sentinel's master or a cluster: every command here
    names one key), credentials, TLS and timeouts. The client belongs to the session store;
    this storage never closes it. Entries are stamped by this host's clock, and each key
    expires in Redis when its window ends."""

    def __init__(self, client: Redis | RedisCluster, *, key_prefix: str) -> None:
        self._client = client
        super().__init__("async+redis://", implementation="redispy", key_prefix=key_prefix)

    def configure_bridge(self) -> None:
        """limits' hook for how the bridge gets its client: ours, instead of a new one."""
        self.bridge.storage = self._client  # type: ignore[attr-defined]
        self.bridge.connection_getter = lambda _readonly: self._client  # type: ignore[attr-defined]

    async def release_entry(self, key: str) -> None:
        # limits keeps a moving window as a list, newest entry first (LPUSH, see its
        # acquire_moving_window.lua); the refund test fails if a release changes that.
        await self._client.lpop(self.bridge.prefixed_key(key))

    def now(self) -> float:
        return time.time()  # what limits' Redis bridge stamps entries with
