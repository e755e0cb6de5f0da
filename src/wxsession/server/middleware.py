"""Pure ASGI middleware: a request-body size cap and an access log without query strings."""

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


class BodySizeLimit:
    """Refuse bodies over ``max_bytes`` with 413 before the app reads them whole."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.max_bytes):
                await error_response(PayloadTooLarge(), _accept_language(scope))(
                    scope, receive, send
                )
                return
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

        await self.app(scope, limited_receive, send)


def _accept_language(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"accept-language":
            return bytes(value).decode("latin-1")
    return None


def start_request(scope: Scope) -> str:
    """This request's id, set for every log line it causes: an incoming ``X-Request-Id`` when
    well formed (a proxy's), else a fresh one."""
    incoming = next((value for name, value in scope["headers"] if name == b"x-request-id"), None)
    rid = new_request_id(incoming.decode("latin-1") if incoming is not None else None)
    request_id.set(rid)  # this request's task (and context) only: nothing to reset
    return rid


def stamped(message: Message, rid: str) -> Message:
    """``message`` with the request id added to its headers, if it starts a response that
    does not name it yet (the 500 handler does)."""
    if message["type"] != "http.response.start" or any(
        name == b"x-request-id" for name, _ in message.get("headers", ())
    ):
        return message
    headers = [*message.get("headers", ()), (b"x-request-id", rid.encode("ascii"))]
    return {**message, "headers": headers}


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


class AccessLog:
    """One line per request (:func:`log_access`) and the request id every log line of the
    request carries (:func:`start_request`), returned in the ``X-Request-Id`` header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        rid = start_request(scope)

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(stamped(message, rid))

        try:
            await self.app(scope, receive, recording_send)
        finally:
            log_access(scope, status, start)
