"""One subscription to the invalidation channel on one Redis server, and the proof that it
is current.

A small RESP subscriber on an :class:`asyncio.Protocol` rather than redis-py's ``PubSub``: the
protocol's ``data_received`` runs in the event loop's I/O phase and applies each message to
the cache before any task step, so a request read in the same loop turn as an invalidation
never sees the stale entry. (With a stream reader, the listener would be one more task racing
the request.) On loopback the announcement reaches this socket before the revoking request
has even answered its client.

A link is current while its SUBSCRIBE (or SSUBSCRIBE, on a cluster) is confirmed and the last
answered probe (the subscription, then a heartbeat PING every ``heartbeat`` seconds) was
*sent* less than ``max_lag`` seconds ago. Redis answers a PING after every message published
on that server before it, so an answer proves the link heard everything announced there until
the PING left; the proof is counted from there, never from "no PING is due yet". A link lives
for one connection: when it is lost (or the server unsubscribes it, as a cluster node does
when the channel's slot leaves it) the owner (:class:`~wxsession.sessions.invalidation.
InvalidationFeed`) empties the cache and opens a new one. Replies are parsed with bounds
(:mod:`wxsession.sessions.resp`): one larger than any a subscriber hears drops the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import ssl
import time
from collections.abc import Callable
from typing import Any, cast

from redis.connection import SSLConnection, parse_url

from wxsession.sessions.resp import ProtocolViolation, Reply, ReplyError, ReplyParser

log = logging.getLogger("wxsession.cache")

MESSAGES = (b"message", b"smessage")
"""A announcement pushed by SUBSCRIBE, and by SSUBSCRIBE."""


def command(*parts: str | bytes) -> bytes:
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class _Protocol(asyncio.Protocol):
    """The connection's bytes, parsed and handed to its :class:`Link` as they come."""

    def __init__(self, link: Link) -> None:
        self.link = link
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
            self.link.lost()
            if self.transport is not None:
                self.transport.abort()
            return
        for reply in replies:
            self.link.on_reply(reply)

    def eof_received(self) -> bool:
        self.link.lost()  # now, in the I/O phase: connection_lost comes a step later
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.link.lost()
        if not self.closed.done():
            self.closed.set_result(None)


class Link:
    """One connection subscribed to ``channel`` at ``url``, its messages passed to
    ``on_message`` and every change of its state (subscribed, proven, lost) to ``on_change``,
    all in the I/O phase."""

    def __init__(
        self,
        url: str,
        channel: bytes,
        *,
        sharded: bool,
        on_message: Callable[[bytes], None],
        on_change: Callable[[Link], None],
        heartbeat: float,
        max_lag: float,
        timeout: float,
    ) -> None:
        self.url = url
        self.channel = channel
        self.subscribe = b"SSUBSCRIBE" if sharded else b"SUBSCRIBE"
        self.confirmation = self.subscribe.lower()
        self.on_message = on_message
        self.on_change = on_change
        self.heartbeat = heartbeat
        self.max_lag = max_lag
        self.timeout = timeout
        self.subscribed = False
        self.ended = False
        """Lost, refused or closed: this link is done (a new one takes its place)."""
        self.proven = -math.inf
        """When the last answered probe left: the link has heard everything until then."""
        self.subscribed_at: float | None = None
        """When the confirmed subscription was sent (``None``: never confirmed)."""
        self._subscribe_sent = 0.0
        self._ping_sent: float | None = None
        """When the PING awaiting its answer left (``None``: none is outstanding)."""
        self._connection: _Protocol | None = None

    async def run(self) -> None:
        """Connect, subscribe and keep proving until the connection ends (or fails to open)."""
        try:
            connection = await self._connect()
        except (OSError, TimeoutError, ConnectionError) as exc:
            log.warning("cache invalidation channel unreachable (%s): cache bypassed", exc)
            self.lost()
            return
        try:
            await self._keep_proving(connection)
        finally:
            self.close()

    def on_reply(self, reply: Reply | ReplyError) -> None:
        if isinstance(reply, ReplyError):  # refused AUTH, or MOVED: the slot is elsewhere
            log.warning("cache invalidation channel refused: %s", reply)
            self.close()
        elif isinstance(reply, list) and len(reply) == 3 and reply[0] in MESSAGES:
            message = reply[2]
            if isinstance(message, bytes):
                self.on_message(message)
        elif isinstance(reply, list) and reply and reply[0] == b"pong":
            if self._ping_sent is not None:
                self.proven = self._ping_sent
                self._ping_sent = None
                self.on_change(self)
        elif isinstance(reply, list) and reply[:2] == [self.confirmation, self.channel]:
            self._ping_sent = None
            self.proven = self.subscribed_at = self._subscribe_sent
            self.subscribed = True
            self.on_change(self)
        elif isinstance(reply, list) and reply[:1] == [b"sunsubscribe"]:
            log.warning("cache invalidation channel moved: its slot left this node")
            self.close()  # the slot left this node (migration or failover)
        # Anything else is a handshake reply (AUTH's OK): nothing to do.

    def lost(self) -> None:
        if not self.ended:
            self.ended, self.subscribed = True, False
            self.on_change(self)

    def close(self) -> None:
        self.lost()
        if self._connection is not None and self._connection.transport is not None:
            self._connection.transport.close()

    async def _connect(self) -> _Protocol:
        options: dict[str, Any] = parse_url(self.url)  # type: ignore[no-untyped-call]
        loop = asyncio.get_running_loop()
        make = lambda: _Protocol(self)  # noqa: E731
        connecting: Any
        if "path" in options:
            connecting = loop.create_unix_connection(make, options["path"])
        else:
            secure = options.get("connection_class") is SSLConnection
            tls = ssl.create_default_context() if secure else None
            host = options.get("host", "localhost")
            connecting = loop.create_connection(make, host, options.get("port", 6379), ssl=tls)
        connection: _Protocol
        _, connection = await asyncio.wait_for(connecting, self.timeout)
        self._connection = connection
        assert connection.transport is not None
        hello: list[bytes] = []
        if options.get("password") is not None:
            user = options.get("username")
            auth = ("AUTH", user, options["password"]) if user else ("AUTH", options["password"])
            hello.append(command(*auth))
        hello.append(command(self.subscribe, self.channel))
        self._subscribe_sent = time.monotonic()
        connection.transport.write(b"".join(hello))
        return connection

    async def _keep_proving(self, connection: _Protocol) -> None:
        """PING every ``heartbeat`` seconds; a connection that stays unsubscribed or silent for
        ``3 * max_lag`` is closed."""
        opened = time.monotonic()
        while not connection.closed.done() and not self.ended:
            sent = opened if not self.subscribed else self._ping_sent
            if sent is not None and time.monotonic() - sent > 3 * self.max_lag:
                return
            if self.subscribed and sent is None and connection.transport is not None:
                self._ping_sent = time.monotonic()
                connection.transport.write(command("PING"))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(connection.closed), self.heartbeat)
