"""Bounds on what a slow or idle client may hold: uvicorn's HTTP protocol with deadlines.

uvicorn closes a connection idle *between* requests (``timeout_keep_alive``) but waits for
ever on one that opens and sends nothing, or sends its headers or body a byte at a time
(slowloris): 300 such connections stayed open for minutes, and at the file descriptor limit
the service stopped answering. This protocol adds what nginx calls ``client_header_timeout``
and ``client_body_timeout``, and a cap on open connections: beyond it, a new connection is
closed at once rather than left to exhaust descriptors.
"""

from __future__ import annotations

import asyncio
import logging

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("wxsession.server")


class GuardedHttpProtocol(HttpToolsProtocol):
    """:class:`HttpToolsProtocol` that closes the connection when a request's line and
    headers take longer than ``header_timeout`` seconds (counted from the connection's
    opening, or from the first byte of a later request), or its body longer than
    ``body_timeout`` seconds after the headers; and refuses connections beyond
    ``max_connections``. Use :meth:`configured` to set them."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 1000

    @classmethod
    def configured(
        cls, *, header_timeout: float, body_timeout: float, max_connections: int
    ) -> type[GuardedHttpProtocol]:
        """This class with these bounds (uvicorn builds the protocol from a class)."""
        bounds = {
            "header_timeout": header_timeout,
            "body_timeout": body_timeout,
            "max_connections": max_connections,
        }
        return type(cls.__name__, (cls,), bounds)

    @classmethod
    def bound(cls, *, header_timeout: float, body_timeout: float, max_connections: int) -> None:
        """Set the bounds on this class itself: for a worker process of ``serve --workers``,
        whose protocol class comes from the parent by name (a configured subclass would not)."""
        cls.header_timeout = header_timeout
        cls.body_timeout = body_timeout
        cls.max_connections = max_connections

    _deadline: asyncio.TimerHandle | None = None
    _armed: str | None = None  # the part of a request the deadline is for
    _part: str | None = None  # the part of the current request still arriving, if any

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.max_connections:
            log.warning("connection refused: %d connections open already", len(self.connections))
            transport.abort()
            return
        super().connection_made(transport)
        self._arm("headers")  # an idle new connection counts against the header time

    def connection_lost(self, exc: Exception | None) -> None:
        self._arm(None)
        if self.transport is not None:  # else refused in connection_made: nothing to undo
            super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # Deadlines follow what is still missing once the bytes are parsed, so a request
        # that came whole (the usual case) arms no timer at all: the hot path stays as it was.
        if self._part != self._armed:
            self._arm(self._part)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._part = "headers"

    def on_headers_complete(self) -> None:
        self._part = "body"
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._part = None
        super().on_message_complete()

    def _arm(self, part: str | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._armed = part
        if part is not None:
            seconds = self.header_timeout if part == "headers" else self.body_timeout
            self._deadline = self.loop.call_later(seconds, self._too_slow, part)

    def _too_slow(self, part: str) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            log.info("connection closed: the request's %s took too long", part)
            self.transport.close()
