"""The service's own edge middleware: request id, access log without query strings, and a
request-body size cap, for every request (the hot routes' too, see server/edge.py)."""

from __future__ import annotations

import logging
import time

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wxsession.core.errors import PayloadTooLarge
from wxsession.logging_setup import new_request_id, request_id
from wxsession.server.errors import error_response

access_log = logging.getLogger("wxsession.access")


def _too_large() -> HTTPException:
    return HTTPException(status_code=413, detail=PayloadTooLarge.default_message)


class Edge:
    """One line per request (:func:`log_access`); the request id every log line of the
    request carries (an incoming well-formed ``X-Request-Id``, a proxy's, else a fresh one),
    returned in the ``X-Request-Id`` header; and 413 for a body over ``max_bytes`` before the
    app reads it whole. One middleware, one scan of the headers and one ``send`` wrapper:
    this runs for every request, the session check's too."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        incoming: bytes | None = None
        too_large = False
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value if incoming is None else incoming
            elif name == b"content-length" and (not value.isdigit() or int(value) > self.max_bytes):
                too_large = True
        rid = new_request_id(incoming.decode("latin-1") if incoming is not None else None)
        request_id.set(rid)  # this request's task (and context) only: nothing to reset
        status = 500
        received = 0

        async def limited_receive() -> Message:
            # A body without Content-Length (chunked) is counted as it arrives; the exception
            # surfaces where the app reads the body and is rendered as 413 there.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _too_large()
            return message

        async def named_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", ())
                for name, _ in headers:  # a loop, not any(): this runs for every request
                    if name == b"x-request-id":  # named already (the 500 handler does)
                        break
                else:  # a new list: the sender may still hold its own
                    message["headers"] = [*headers, (b"x-request-id", rid.encode("ascii"))]
            await send(message)

        try:
            if too_large:
                await error_response(PayloadTooLarge())(scope, receive, named_send)
            else:
                await self.app(scope, limited_receive, named_send)
        finally:
            log_access(scope, status, start)


def log_access(scope: Scope, status: int, start: float) -> None:
    """The access line: method, path (never the query string), status, duration."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    duration_ms = round((time.perf_counter() - start) * 1000, 1)
    method, path = scope["method"], scope["path"]
    access_log.info(
        "%s %s %d %.1fms",
        method,
        path,
        status,
        duration_ms,
        extra={"method": method, "path": path, "status": status, "duration_ms": duration_ms},
    )
