"""The invalidation subscriber against a hostile Redis-protocol peer on loopback: a reply
far larger than any announcement is not buffered; the connection is dropped at once. And
the bounded reply parser it uses, on its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from wxsession.sessions.cache import SessionCache
from wxsession.sessions.invalidation import InvalidationFeed
from wxsession.sessions.resp import ProtocolViolation, ReplyError, ReplyParser

CHANNEL = b"wxs:invalidate"
CHUNK = b"x" * 65_536
CAP = 64 * 1024 * 1024  # what the peer sends at most, whatever the subscriber does


def confirmed() -> bytes:
    return b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:1\r\n" % (len(CHANNEL), CHANNEL)


class HostilePeer:
    """Confirms the subscription, then sends ``head`` and filler until the subscriber hangs
    up or ``CAP`` bytes are out."""

    def __init__(self, head: bytes, filler: Callable[[], bytes]) -> None:
        self.head = head
        self.filler = filler
        self.sent = 0
        self.hung_up = asyncio.Event()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.hung_up.is_set():  # the subscriber reconnecting: once is enough
            writer.close()
            return
        await reader.readuntil(b"SUBSCRIBE\r\n")
        writer.write(confirmed() + self.head)
        try:
            while self.sent < CAP and not writer.is_closing():
                chunk = self.filler()
                writer.write(chunk)
                await writer.drain()
                self.sent += len(chunk)
        except (ConnectionError, OSError):
            pass
        finally:
            self.hung_up.set()
            writer.close()


@asynccontextmanager
async def subscribed_to(peer: HostilePeer) -> AsyncIterator[InvalidationFeed]:
    server = await asyncio.start_server(peer.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    feed = InvalidationFeed(
        f"redis://127.0.0.1:{port}", CHANNEL.decode(), SessionCache(max_entries=10, max_age=10)
    )
    try:
        await feed.start()
        yield feed
    finally:
        await feed.stop()
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize(
    ("head", "filler"),
    [
        pytest.param(b"$2000000000\r\n", lambda: CHUNK, id="2-GB-bulk-string"),
        pytest.param(b"*2000000000\r\n", lambda: b":1\r\n" * 16_384, id="2-G-element-array"),
    ],
)
async def test_an_oversized_reply_drops_the_connection_at_once(
    head: bytes, filler: Callable[[], bytes]
) -> None:
    peer = HostilePeer(head, filler)
    async with subscribed_to(peer) as feed:
        await asyncio.wait_for(peer.hung_up.wait(), 20)
        assert peer.sent < 8 * 1024 * 1024  # a bound and the socket buffers, not all 64 MiB
        assert not feed.trusted()


def test_replies_come_whole_however_the_bytes_are_split() -> None:
    wire = (
        confirmed()
        + b"*3\r\n$7\r\nmessage\r\n$14\r\nwxs:invalidate\r\n$6\r\nu:42\r\n\r\n"
        + b"*2\r\n$4\r\npong\r\n$0\r\n\r\n+OK\r\n-WRONGPASS invalid\r\n:7\r\n$-1\r\n"
    )
    whole = ReplyParser().feed(wire)
    assert whole == [
        [b"subscribe", CHANNEL, 1],
        [b"message", CHANNEL, b"u:42\r\n"],  # a payload may hold CRLF
        [b"pong", b""],
        b"OK",
        ReplyError("WRONGPASS invalid"),
        7,
        None,
    ]
    parser = ReplyParser()
    bytewise = [reply for i in range(len(wire)) for reply in parser.feed(wire[i : i + 1])]
    assert bytewise == whole


@pytest.mark.parametrize(
    "wire",
    [
        pytest.param(b"$65537\r\n", id="bulk-longer-than-any-reply"),
        pytest.param(b"*9\r\n", id="array-of-nine"),
        pytest.param(b"*1\r\n*1\r\n*1\r\n", id="nested-three-deep"),
        pytest.param(b"$-2\r\n", id="negative-length"),
        pytest.param(b"$1x\r\n", id="length-not-a-number"),
        pytest.param(b":" + b"9" * 21 + b"\r\n", id="integer-past-64-bits"),
        pytest.param(b"$3\r\nabcXY", id="bulk-without-crlf"),
        pytest.param(b"*1\r\n-ERR inside\r\n", id="error-in-array"),
        pytest.param(b"%1\r\n", id="resp3-map"),
        pytest.param(b"+" + b"a" * (64 * 1024 + 1), id="endless-line"),
    ],
)
def test_malformed_or_oversized_replies_are_refused_early(wire: bytes) -> None:
    with pytest.raises(ProtocolViolation):
        ReplyParser().feed(wire)
