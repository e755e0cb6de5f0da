"""RESP2 replies for the invalidation subscriber, parsed with bounds. Sans-IO.

A subscriber hears a few kinds of tiny replies (subscription confirmations, announcements,
PONG, AUTH's OK or an error), so everything larger is refused as soon as its header says so:
a general-purpose reader (hiredis) buffers a 2 GB bulk string as it arrives, and allocates a
two-billion-slot list for ``*2000000000`` before a single element has come (freeing that list
alone blocks the event loop for seconds).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_REPLY_BYTES = 64 * 1024
"""The most a whole reply may take on the wire."""
MAX_ELEMENTS = 8
"""The most elements an array may have (a pub/sub message has three)."""
MAX_DEPTH = 2
"""Arrays in arrays, at most this deep."""

Reply = bytes | int | list["Reply"] | None


@dataclass(frozen=True, slots=True)
class ReplyError:
    """A ``-ERR …`` reply: the server refused a command."""

    message: str


class ProtocolViolation(Exception):
    """The peer sent something no subscriber should hear: drop the connection."""


class _Incomplete(Exception):
    """More bytes are needed for the reply at hand."""


class ReplyParser:
    """Feed it bytes as they come; it hands back each whole reply, or raises
    :class:`ProtocolViolation` at the first sign of one that is malformed or too large."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Reply | ReplyError]:
        self._buffer += data
        replies: list[Reply | ReplyError] = []
        while self._buffer:
            try:
                reply, end = self._parse(0, 0)
            except _Incomplete:
                break
            replies.append(reply)
            del self._buffer[:end]
        if len(self._buffer) > MAX_REPLY_BYTES:
            raise ProtocolViolation(f"a reply of more than {MAX_REPLY_BYTES} bytes")
        return replies

    def _line(self, start: int) -> tuple[bytes, int]:
        end = self._buffer.find(b"\r\n", start, start + MAX_REPLY_BYTES)
        if end < 0:
            raise _Incomplete()
        return bytes(self._buffer[start + 1 : end]), end + 2

    def _number(self, start: int) -> tuple[int, int]:
        text, after = self._line(start)
        if len(text) > 20:  # a signed 64-bit integer has at most 20 characters
            raise ProtocolViolation("a number of more than 64 bits")
        try:
            return int(text), after
        except ValueError:
            raise ProtocolViolation("a number that is not one") from None

    def _length(self, start: int, most: int) -> tuple[int, int]:
        length, after = self._number(start)
        if length < -1 or length > most:
            raise ProtocolViolation(f"a length of {length}, more than {most}")
        return length, after

    def _parse(self, start: int, depth: int) -> tuple[Reply | ReplyError, int]:
        kind = self._buffer[start : start + 1]
        if kind == b"+":
            return self._line(start)
        if kind == b"-":
            text, after = self._line(start)
            return ReplyError(text.decode("utf-8", "replace")), after
        if kind == b":":
            return self._number(start)
        if kind == b"$":
            length, after = self._length(start, MAX_REPLY_BYTES)
            if length < 0:
                return None, after
            if len(self._buffer) < after + length + 2:
                raise _Incomplete()
            if self._buffer[after + length : after + length + 2] != b"\r\n":
                raise ProtocolViolation("a bulk string without its CRLF")
            return bytes(self._buffer[after : after + length]), after + length + 2
        if kind == b"*":
            if depth >= MAX_DEPTH:
                raise ProtocolViolation("arrays nested too deep")
            count, after = self._length(start, MAX_ELEMENTS)
            if count < 0:
                return None, after
            items: list[Reply] = []
            for _ in range(count):
                item, after = self._parse(after, depth + 1)
                if isinstance(item, ReplyError):
                    raise ProtocolViolation("an error inside an array")
                items.append(item)
            return items, after
        if not kind:
            raise _Incomplete()
        raise ProtocolViolation(f"an unknown reply type {kind!r}")
