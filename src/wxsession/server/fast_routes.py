"""The two hottest reads, ``GET /v1/me`` and ``GET /v1/session/introspect``, answered before
FastAPI's middleware stack, routing and dependency solving, which cost several times the
session check itself (issue 8, docs/performance.md).

Nothing about the rules differs: the token is found by the same carriers, checked by the same
:mod:`wxsession.guard` functions, the body is built by the same functions as the FastAPI
routes', and a failure is rendered by the app's own exception handlers. What the skipped
middleware does for every other route is done here with the same helpers: the request id
(``X-Request-Id``) and the access line (:mod:`wxsession.server.middleware`). The FastAPI
routes stay registered, so OpenAPI still describes them, and they answer whatever this path
does not take (other methods, a HEAD). FastAPI's native OpenTelemetry instrumentation does not
see these two routes; the session-check metrics (``/metrics``) do.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable
from weakref import WeakKeyDictionary

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from wxsession import guard
from wxsession.accounts.models import User
from wxsession.errors import WxSessionError
from wxsession.runtime import Runtime
from wxsession.server import introspection_routes, routes
from wxsession.server.middleware import log_access, stamped, start_request

Answer = tuple[bytes, list[tuple[bytes, bytes]]]
"""A 200 answer: the JSON body and the headers besides content type and length."""

JSON = (b"content-type", b"application/json")
NO_STORE = [(b"cache-control", b"no-store")]


_me_bodies: WeakKeyDictionary[User, bytes] = WeakKeyDictionary()
"""``GET /v1/me``'s body by user row. The hot-session cache hands out one shared, read-only
row per user until a change drops it; the body then lives as long as that row, and a changed
user is a new row."""


async def _me(runtime: Runtime, request: Request) -> Answer:
    active = await guard.any_session(runtime, await runtime.carriers.extract(request))
    user = await guard.load_user(runtime, active)
    body = _me_bodies.get(user)
    if body is None:
        body = _me_bodies[user] = (await routes.me(user)).model_dump_json().encode()
    return body, []


async def _introspect(runtime: Runtime, request: Request) -> Answer:
    active = await guard.any_session(runtime, await runtime.carriers.extract(request))
    body = introspection_routes.introspection_of(runtime, active)
    return body.model_dump_json().encode(), NO_STORE


ROUTES: dict[str, Callable[[Runtime, Request], Awaitable[Answer]]] = {
    "/v1/me": _me,
    "/v1/session/introspect": _introspect,
}


class ServiceApp(FastAPI):
    """The service's FastAPI application: takes ``GET`` on the paths in :data:`ROUTES` itself
    and hands everything else to FastAPI."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = ROUTES.get(scope["path"]) if scope["type"] == "http" else None
        if handler is None or scope["method"] != "GET":
            await super().__call__(scope, receive, send)
            return
        start = time.perf_counter()
        rid = start_request(scope)
        scope["app"] = self
        request = Request(scope, receive)
        try:
            body, headers = await handler(self.state.wxsession, request)
        except Exception as exc:
            response = await self._rendered(request, exc)
            status = response.status_code

            async def send_stamped(message: Message) -> None:
                await send(stamped(message, rid))

            await response(scope, receive, send_stamped)
        else:
            status = 200
            start_message = {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    JSON,
                    (b"content-length", str(len(body)).encode()),
                    *headers,
                    (b"x-request-id", rid.encode()),
                ],
            }
            await send(start_message)
            await send({"type": "http.response.body", "body": body})
        log_access(scope, status, start)

    async def _rendered(self, request: Request, exc: Exception) -> Response:
        """``exc`` as the app's handlers render it (an unexpected one as a logged 500)."""
        kind = WxSessionError if isinstance(exc, WxSessionError) else Exception
        rendered = self.exception_handlers[kind](request, exc)  # ours are all async
        response: Response = await rendered if inspect.isawaitable(rendered) else rendered
        return response
