"""The subscription that keeps a :class:`~wxsession.sessions.cache.SessionCache` honest.

A small RESP subscriber on an :class:`asyncio.Protocol` rather than redis-py's ``PubSub``: the
protocol's ``data_received`` runs in the event loop's I/O phase and applies each message to
the cache before any task step, so a request read in the same loop turn as an invalidation
never sees the stale entry. (With a stream reader, the listener would be one more task racing
the request.) On loopback the announcement reaches this socket before the revoking request
has even answered its client.

The subscriber reports itself trusted only while it can prove it is current: SUBSCRIBE is
confirmed and the last answered probe (the SUBSCRIBE, then a heartbeat PING every
``heartbeat`` seconds) was *sent* less than ``max_lag`` seconds ago. Redis answers a PING
after every message published before it, so an answer proves the cache heard everything
announced until the PING left; trust is counted from there, never from "no PING is due yet"
(which let a hung Redis be trusted up to ``heartbeat + max_lag`` seconds, and longer while
the event loop was late to send the next PING). Otherwise the cache is bypassed. A lost
connection is retried with a short back-off; each confirmed (re)subscription empties the cache
first, since whatever was announced in between was lost. Replies are parsed with bounds
(:mod:`wxsession.sessions.resp`): one larger than any a subscriber hears drops the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import ssl
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from redis.connection import SSLConnection, parse_url

from wxsession.redis_topology import node_url
from wxsession.sessions.cache import Invalidations, SessionCache
from wxsession.sessions.redis import RedisSessionStore
from wxsession.sessions.resp import ProtocolViolation, ReplyError, ReplyParser
from wxsession.sessions.store import SessionStore

log = logging.getLogger("wxsession.cache")

SINGLE_SERVER = ("redis://", "rediss://", "unix://")
"""URL schemes of one server, which the subscriber can follow."""


def _command(*parts: str | bytes) -> bytes:
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class _Subscription(asyncio.Protocol):
    """One connection: handshake replies, then subscription pushes, applied as they come."""

    def __init__(self, feed: InvalidationFeed) -> None:
        self.feed = feed
        self.parser = ReplyParser()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            replies = self.parser.feed(data)
        except ProtocolViolation as exc:  # a broken or hostile server: nothing more from it
            log.warning("cache invalidation channel dropped: %s", exc)
            self.feed.on_lost()
            if self.transport is not None:
                self.transport.abort()
            return
        for reply in replies:
            self.feed.on_reply(reply)

    def eof_received(self) -> bool:
        self.feed.on_lost()  # now, in the I/O phase: connection_lost comes a step later
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.feed.on_lost()
        if not self.closed.done():
            self.closed.set_result(None)


class InvalidationFeed:
    """Subscribes to ``channel`` on the Redis at ``url`` and feeds ``cache``; run it with
    :meth:`start` / :meth:`stop` for the life of the process."""

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
        self.url = url
        self.channel = channel.encode()
        self.cache = cache
        self.heartbeat = heartbeat
        self.max_lag = max_lag
        self.timeout = timeout
        self._subscribed = False
        self._subscribe_sent = 0.0
        self._ping_sent: float | None = None
        """When the PING awaiting its answer left (``None``: none is outstanding)."""
        self._proven = -math.inf
        """When the last answered probe left: the cache has heard everything until then."""
        self._task: asyncio.Task[None] | None = None
        self._connection: _Subscription | None = None
        self._first_subscription = asyncio.Event()
        cache.trusted = self.trusted

    def trusted(self) -> bool:
        """Subscribed, and proven current less than ``max_lag`` seconds ago."""
        return self._subscribed and time.monotonic() - self._proven < self.max_lag

    async def start(self) -> None:
        """Start listening; waits (up to ``timeout``) for the first subscription, but a Redis
        that is not there yet only delays the cache, never the start."""
        self._task = asyncio.create_task(self._run(), name="wxsession-cache-invalidation")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first_subscription.wait(), self.timeout)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._close()

    # --- protocol callbacks (I/O phase) -----------------------------------------------------

    def on_reply(self, reply: Any) -> None:
        if isinstance(reply, ReplyError):
            log.warning("cache invalidation channel refused: %s", reply)
            self._close()
        elif isinstance(reply, list) and len(reply) == 3 and reply[0] == b"message":
            self.cache.invalidate(reply[2])
        elif isinstance(reply, list) and reply and reply[0] == b"pong":
            if self._ping_sent is not None:
                self._proven = self._ping_sent
            self._ping_sent = None
        elif isinstance(reply, list) and reply[:2] == [b"subscribe", self.channel]:
            self.cache.clear()  # whatever was announced while we were away is lost
            self._ping_sent = None
            self._proven = self._subscribe_sent
            self._subscribed = True
            self._first_subscription.set()
        # Anything else is a handshake reply (AUTH's OK): nothing to do.

    def on_lost(self) -> None:
        self._subscribed = False
        self._connection = None
        self.cache.clear()

    # --- connection loop --------------------------------------------------------------------

    async def _run(self) -> None:
        backoff = 0.05
        while True:
            try:
                connection = await self._connect()
            except (OSError, TimeoutError, ConnectionError) as exc:
                log.warning("cache invalidation channel unreachable (%s): cache bypassed", exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            subscribed = await self._heartbeat(connection)
            log.warning("cache invalidation channel lost: cache bypassed until resubscribed")
            backoff = 0.05 if subscribed else min(backoff * 2, 2.0)  # e.g. refused AUTH
            await asyncio.sleep(backoff)

    async def _connect(self) -> _Subscription:
        # Cluster/Sentinel: one node that hears every PUBLISH (re-resolved on each reconnect).
        url = await node_url(self.url)
        options: dict[str, Any] = parse_url(url)  # type: ignore[no-untyped-call]
        loop = asyncio.get_running_loop()
        make = lambda: _Subscription(self)  # noqa: E731
        connecting: Any
        if "path" in options:
            connecting = loop.create_unix_connection(make, options["path"])
        else:
            secure = options.get("connection_class") is SSLConnection
            tls = ssl.create_default_context() if secure else None
            host = options.get("host", "localhost")
            connecting = loop.create_connection(make, host, options.get("port", 6379), ssl=tls)
        connection: _Subscription
        _, connection = await asyncio.wait_for(connecting, self.timeout)
        self._connection = connection
        self._ping_sent = None
        assert connection.transport is not None
        hello: list[bytes] = []
        if options.get("password") is not None:
            user = options.get("username")
            auth = ("AUTH", user, options["password"]) if user else ("AUTH", options["password"])
            hello.append(_command(*auth))
        hello.append(_command("SUBSCRIBE", self.channel))
        self._subscribe_sent = time.monotonic()
        connection.transport.write(b"".join(hello))
        return connection

    async def _heartbeat(self, connection: _Subscription) -> bool:
        """PING every ``heartbeat`` seconds; a connection that stays unsubscribed or silent for
        ``3 * max_lag`` is closed (and then reopened by :meth:`_run`). Returns whether it
        was ever subscribed."""
        opened, subscribed = time.monotonic(), False
        while not connection.closed.done():
            subscribed = subscribed or self._subscribed
            sent = opened if not subscribed else self._ping_sent
            if sent is not None and time.monotonic() - sent > 3 * self.max_lag:
                self._close()
                break
            if self._subscribed and sent is None and connection.transport is not None:
                self._ping_sent = time.monotonic()
                connection.transport.write(_command("PING"))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(connection.closed), self.heartbeat)
        self._subscribed = False
        return subscribed

    def _close(self) -> None:
        self._subscribed = False
        if self._connection is not None and self._connection.transport is not None:
            self._connection.transport.close()


@asynccontextmanager
async def cache_for(
    store: SessionStore, url: str, *, size: int, max_age: float
) -> AsyncIterator[tuple[SessionCache | None, Invalidations | None]]:
    """The hot-session cache and the announcer for ``store``, for the block's life.

    Only a Redis store gets them: its channel reaches every instance. With the SQL store
    nothing is cached (instances sharing a database would have no way to tell each other).
    ``size`` 0 turns the cache off; changes are still announced, for instances that cache.
    The subscriber speaks to one server, so Cluster and Sentinel URLs announce but do not
    cache (yet).
    """
    if not isinstance(store, RedisSessionStore):
        yield None, None
        return
    channel = f"{store.prefix}invalidate"
    if size <= 0 or not url.startswith(SINGLE_SERVER):
        yield None, Invalidations(store.client, channel)
        return
    cache = SessionCache(max_entries=size, max_age=max_age)
    feed = InvalidationFeed(url, channel, cache)
    await feed.start()
    try:
        yield cache, Invalidations(store.client, channel, cache)
    finally:
        await feed.stop()
