"""The subscriptions that keep a :class:`~wxsession.sessions.cache.SessionCache` honest, on
every Redis topology.

The cache is trusted only while the feed can prove it heard every announcement: it holds one
:class:`~wxsession.sessions.subscriber.Link` on each server a publisher may announce on
(:class:`~wxsession.redis_topology.ChannelNodes`: the one server; on Sentinel the master and
every live replica; on Cluster the owner of the channel's slot, with sharded pub/sub), and
trusts the cache while every link is subscribed and proven current less than ``max_lag``
seconds ago, and, on Sentinel, while the sentinels were asked less than ``max_lag`` ago and
named no server it is not subscribed to. Otherwise the cache is bypassed (fail closed):
requests go to the store. Every lost link empties the cache, and so does every confirmed
subscription (whatever was announced on that server before it was lost), so a gap never
leaves an entry behind.

Why listen on every Sentinel server rather than follow ``+switch-master``: the sentinels
name the promoted replica (``GET-MASTER-ADDR-BY-NAME``) before they announce the switch, and
publishers move when their pool next asks (:data:`~wxsession.redis_topology.MASTER_RECHECK`),
while the old master answers as a master for seconds more; a subscriber that moves on an
announcement would be on the wrong server at some point of that window, whichever way it
moved. Subscribed to both, it hears the old master's announcements and the new one's, and the
cache stays on across a failover.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import RedisCluster
from redis.exceptions import RedisError

from wxsession.redis_topology import ChannelNodes
from wxsession.sessions.cache import Invalidations, SessionCache
from wxsession.sessions.redis import RedisSessionStore
from wxsession.sessions.store import SessionStore
from wxsession.sessions.subscriber import Link

log = logging.getLogger("wxsession.cache")

RETRY = 0.05
"""Seconds before a lost link is reopened; doubled (up to 2 s) while links fail to subscribe."""


class InvalidationFeed:
    """Subscribes to ``channel`` wherever the deployment at ``url`` may announce on it and
    feeds ``cache``; run it with :meth:`start` / :meth:`stop` for the life of the process."""

    def __init__(
        self,
        url: str,
        channel: str,
        cache: SessionCache,
        *,
        heartbeat: float = 0.5,
        max_lag: float = 1.0,
        timeout: float = 1.0,
    ) -> None:
        self.nodes = ChannelNodes(url, channel, timeout=timeout)
        self.channel = channel.encode()
        self.cache = cache
        self.heartbeat = heartbeat
        self.max_lag = max_lag
        self.timeout = timeout
        self.links: dict[str, Link] = {}
        self._wanted: tuple[str, ...] = ()
        self._asked = math.inf if not self.nodes.periodic else -math.inf
        """When the topology was last asked and named only subscribed servers (Sentinel)."""
        self._proven = -math.inf
        """The least proof of all links (and of the last asking): the cache heard everything
        announced until then. ``-inf`` while any wanted link is not subscribed."""
        self._changed = asyncio.Event()
        self._retry = RETRY
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._first_subscription = asyncio.Event()
        cache.trusted = self.trusted

    def trusted(self) -> bool:
        """Every server subscribed, and all proven current less than ``max_lag`` seconds ago."""
        return time.monotonic() - self._proven < self.max_lag

    async def start(self) -> None:
        """Start listening; waits (up to ``timeout``) until the cache is trusted, but a Redis
        that is not there yet only delays the cache, never the start."""
        self._task = asyncio.create_task(self._run(), name="wxsession-cache-invalidation")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first_subscription.wait(), self.timeout)

    async def stop(self) -> None:
        tasks = [task for task in (self._task, *self._tasks) if task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for link in self.links.values():
            link.close()
        await self.nodes.aclose()

    # --- link callbacks (I/O phase) ---------------------------------------------------------

    def on_change(self, link: Link) -> None:
        """A link subscribed, proved itself, or ended: recompute the proof; empty the cache on
        a subscription (announcements before it are lost) and on a loss (those after it)."""
        if link.ended:
            self.cache.clear()
            self._retry = RETRY if link.subscribed_at is not None else min(self._retry * 2, 2.0)
            self._changed.set()
        elif link.proven == link.subscribed_at:
            self.cache.clear()
        self._recompute()

    def _recompute(self) -> None:
        proofs = [self._asked]
        for url in self._wanted:
            link = self.links.get(url)
            proofs.append(-math.inf if link is None or not link.subscribed else link.proven)
        alive = (link for url, link in self.links.items() if url not in self._wanted)
        proofs += [link.proven for link in alive if not link.ended]
        self._proven = min(proofs)
        if self._proven > -math.inf:
            self._first_subscription.set()

    # --- topology loop ----------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            self._changed.clear()
            if self.nodes.periodic or self._missing():
                await self._ask()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), self.heartbeat)
            if self._changed.is_set():
                await asyncio.sleep(self._retry)  # a link ended: reopen soon, not in a loop

    def _missing(self) -> bool:
        return not self._wanted or any(
            url not in self.links or self.links[url].ended for url in self._wanted
        )

    async def _ask(self) -> None:
        """Ask the topology where to listen; open a link to every named server that has none
        alive, and forget ended links. A link to a server no longer named stays while it
        lives (publishers may still be on it until their pool moves), and is not reopened."""
        asked = time.monotonic()
        try:
            wanted = await self.nodes.find()
        except (OSError, TimeoutError) as exc:
            log.warning("cache invalidation channel unplaced (%s): cache bypassed", exc)
            self._retry = min(self._retry * 2, 2.0)
            return
        for url in [url for url, link in self.links.items() if link.ended]:
            del self.links[url]
        self._wanted = wanted
        for url in wanted:
            if url not in self.links:
                self._open(url)
        if self.nodes.periodic:
            self._asked = asked
        self._recompute()

    def _open(self, url: str) -> None:
        link = Link(
            url,
            self.channel,
            sharded=self.nodes.sharded,
            on_message=self.cache.invalidate,
            on_change=self.on_change,
            heartbeat=self.heartbeat,
            max_lag=self.max_lag,
            timeout=self.timeout,
        )
        self.links[url] = link
        task = asyncio.create_task(link.run(), name=f"wxsession-cache-link-{len(self._tasks)}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


@asynccontextmanager
async def cache_for(
    store: SessionStore, url: str, *, size: int, max_age: float
) -> AsyncIterator[tuple[SessionCache | None, Invalidations | None]]:
    """The hot-session cache and the announcer for ``store``, for the block's life.

    Only a Redis store gets them here: its channel reaches every instance. The SQL store's
    are :func:`wxsession.sessions.sql_feed.sql_cache_for` (a SQLite file only).
    ``size`` 0 turns the cache off; changes are still announced, for instances that cache.
    On a cluster the channel is a sharded one (``SPUBLISH``), which the feed follows; a
    cluster without sharded pub/sub (before Redis 7) announces with ``PUBLISH`` and caches
    nothing, as a subscriber there could prove nothing.
    """
    if not isinstance(store, RedisSessionStore):
        yield None, None
        return
    channel = f"{store.prefix}invalidate"
    sharded = isinstance(store.client, RedisCluster) and await _sharded_pubsub(store.client)
    if size <= 0 or (isinstance(store.client, RedisCluster) and not sharded):
        yield None, Invalidations(store.client, channel, sharded=sharded)
        return
    cache = SessionCache(max_entries=size, max_age=max_age)
    feed = InvalidationFeed(url, channel, cache)
    await feed.start()
    try:
        yield cache, Invalidations(store.client, channel, cache, sharded=sharded)
    finally:
        await feed.stop()


async def _sharded_pubsub(client: RedisCluster) -> bool:
    """Whether the cluster knows ``SPUBLISH`` (Redis 7); assumed so when it cannot be asked
    at start (a later announcement then fails as 503 on an older one, never silently)."""
    try:
        info = await client.execute_command(
            "COMMAND INFO", "SPUBLISH", target_nodes=RedisCluster.RANDOM
        )
    except (RedisError, OSError):
        return True
    found = info.values() if isinstance(info, dict) else info  # [None]: an unknown command
    known = any(entry is not None for entry in found or ())
    if not known:
        log.warning("the Redis cluster has no sharded pub/sub (Redis 7): hot-session cache off")
    return known
