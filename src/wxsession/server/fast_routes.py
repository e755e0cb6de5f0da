"""The hottest requests, ``GET /v1/me``, ``GET /v1/session/introspect`` and a WeChat login
with a valid JSON body, answered before FastAPI's middleware stack, routing and dependency
solving, which cost several times the session check itself (issue 8, docs/performance.md).

Nothing about the rules differs: the token is found by the same carriers, checked by the same
checks (``services/current_user.py``), the body is built by the route functions themselves, and a
failure is rendered by the app's own exception handlers. What the skipped middleware does for
every other route is done here with the same helpers: the request id (``X-Request-Id``) and
the access line (:mod:`wxsession.server.middleware`). A login body this path does not take
(too large, not JSON, not valid) goes to FastAPI as received, so its errors are FastAPI's.
The FastAPI routes stay registered, so OpenAPI still describes them, and they answer whatever
this path does not take (other methods, a HEAD). FastAPI's native OpenTelemetry
instrumentation does not see these requests; the session-check and login metrics do.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable
from weakref import WeakKeyDictionary

from fastapi import FastAPI
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from wxsession.core.session import ActiveSession
from wxsession.core.user import UserView
from wxsession.runtime import Runtime
from wxsession.server import introspection_routes, routes
from wxsession.server.dependencies import NO_STORE
from wxsession.server.middleware import log_access, stamped, start_request
from wxsession.server.schemas import WeChatLoginIn
from wxsession.services import current_user as guard

Answer = tuple[bytes, list[tuple[bytes, bytes]]]
"""A 200 answer: the JSON body and the headers besides content type and length."""

JSON = (b"content-type", b"application/json")
SESSION_HEADERS = [NO_STORE]
"""What every answer that reads a session carries besides its body's headers."""


_me_bodies: WeakKeyDictionary[UserView, bytes] = WeakKeyDictionary()
"""``GET /v1/me``'s body by user view. The hot-session cache hands out one shared, frozen
view per user until a change drops it; the body then lives as long as that view, and a
changed user is a new view."""


async def _resolved(runtime: Runtime, request: Request) -> ActiveSession:
    """The request's live session through the carriers and the store: what
    :func:`guard.session_now` (a cache hit, no coroutine) leaves to the general path."""
    return await guard.any_session(runtime, await runtime.carriers.extract_asgi(request))


async def _me(runtime: Runtime, request: Request) -> Answer:
    active = guard.session_now(runtime, request) or await _resolved(runtime, request)
    user = guard.cached_user(runtime, active) or await guard.load_user(runtime, active)
    body = _me_bodies.get(user)
    if body is None:
        body = _me_bodies[user] = (await routes.me(user)).model_dump_json().encode()
    return body, SESSION_HEADERS


async def _introspect(runtime: Runtime, request: Request) -> Answer:
    active = guard.session_now(runtime, request) or await _resolved(runtime, request)
    body = await introspection_routes.introspection_body(runtime, active)
    return body, SESSION_HEADERS


async def _wechat_login(runtime: Runtime, request: Request) -> Answer | None:
    body = await _login_body(request, runtime.settings.max_body_bytes)
    if body is None:
        return None
    response = Response()  # what the route sets besides its body (Cache-Control, a cookie)
    presented = await runtime.carriers.extract_asgi(request)
    out = await routes.wechat_login(
        body=body, request=request, response=response, runtime=runtime, presented=presented
    )
    headers = [header for header in response.raw_headers if header[0] != b"content-length"]
    return out.model_dump_json().encode(), headers


async def _login_body(request: Request, limit: int) -> WeChatLoginIn | None:
    """The body, when it is a JSON object of at most ``limit`` bytes that the route's model
    accepts; ``None`` hands the request to FastAPI, which answers every other case (too
    large, not JSON, not valid) exactly as it does for any route."""
    length = request.headers.get("content-length", "")
    media_type = request.headers.get("content-type", "")
    if not (length.isdigit() and int(length) <= limit and media_type.startswith(JSON[1].decode())):
        return None
    try:
        return WeChatLoginIn.model_validate_json(await request.body())
    except ValidationError:
        return None


Handler = Callable[[Runtime, Request], Awaitable[Answer | None]]
"""A 200 answer, or ``None``: not taken here, FastAPI answers (with the body replayed)."""

ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", "/v1/me"): _me,
    ("GET", "/v1/session/introspect"): _introspect,
    ("POST", "/v1/auth/wechat/login"): _wechat_login,
}


class ServiceApp(FastAPI):
    """The service's FastAPI application: takes the requests of :data:`ROUTES` itself and
    hands everything else to FastAPI."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = (scope["method"], scope["path"]) if scope["type"] == "http" else None
        handler = ROUTES.get(route) if route is not None else None
        if handler is None:
            await super().__call__(scope, receive, send)
            return
        start = time.perf_counter()
        rid = start_request(scope)
        scope["app"] = self
        incoming = _Replayable(receive)
        request = Request(scope, incoming)
        try:
            answer = await handler(self.state.wxsession, request)
        except Exception as exc:
            response = await self._rendered(request, exc)
            status = response.status_code

            async def send_stamped(message: Message) -> None:
                await send(stamped(message, rid))

            await response(scope, receive, send_stamped)
        else:
            if answer is None:  # FastAPI's turn: its middleware names and logs the request
                await super().__call__(scope, incoming.replay(), send)
                return
            body, headers = answer
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
        """``exc`` as the app's handlers render it: the handler of its nearest class, as
        Starlette picks it (a client gone mid-body is no error; an unexpected one is a
        logged 500)."""
        kind = next(k for k in type(exc).__mro__ if k in self.exception_handlers)
        rendered = self.exception_handlers[kind](request, exc)  # ours are all async
        response: Response = await rendered if inspect.isawaitable(rendered) else rendered
        return response


class _Replayable:
    """A ``receive`` that remembers what it passed on, so a request whose body was read here
    can still be handed to FastAPI whole (:meth:`replay`)."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._seen: list[Message] = []

    async def __call__(self) -> Message:
        message = await self._receive()
        self._seen.append(message)
        return message

    def replay(self) -> Receive:
        pending = list(self._seen)

        async def receive() -> Message:
            return pending.pop(0) if pending else await self._receive()

        return receive
