"""The two hottest reads, ``GET /v1/me`` and ``GET /v1/session/introspect``, answered in pure
ASGI before FastAPI's routing and dependency solving, which cost more than the session check
itself (issue 8, docs/performance.md).

Nothing about the rules differs: the token is found by the same carriers, checked by the same
:mod:`wxsession.guard` functions, the body comes from the route function itself, and a failure
is rendered by the app's own handler for :class:`~wxsession.errors.WxSessionError`. The FastAPI
routes stay registered, so OpenAPI still describes them, and they answer whatever this path
does not take (other methods, a HEAD).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from wxsession import guard
from wxsession.errors import WxSessionError
from wxsession.runtime import Runtime
from wxsession.server import introspection_routes, routes

JSON = "application/json"


async def _me(runtime: Runtime, request: Request) -> Response:
    active = await guard.any_session(runtime, await runtime.carriers.extract(request))
    body = await routes.me(await guard.load_user(runtime, active))
    return Response(body.model_dump_json(), media_type=JSON)


async def _introspect(runtime: Runtime, request: Request) -> Response:
    active = await guard.any_session(runtime, await runtime.carriers.extract(request))
    extra = Response()  # what the route sets besides its body (Cache-Control)
    body = await introspection_routes.introspect(extra, runtime, active)
    headers = {k: v for k, v in extra.headers.items() if k != "content-length"}
    return Response(body.model_dump_json(), media_type=JSON, headers=headers)


ROUTES: dict[str, Callable[[Runtime, Request], Awaitable[Response]]] = {
    "/v1/me": _me,
    "/v1/session/introspect": _introspect,
}


class FastRoutes:
    """ASGI middleware: takes ``GET`` on the paths in :data:`ROUTES`, passes the rest on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = ROUTES.get(scope["path"]) if scope["type"] == "http" else None
        if handler is None or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        app = scope["app"]
        request = Request(scope, receive)
        try:
            response = await handler(app.state.wxsession, request)
        except WxSessionError as exc:
            response = await app.exception_handlers[WxSessionError](request, exc)
        await response(scope, receive, send)
