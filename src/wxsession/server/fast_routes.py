"""The hottest requests, ``GET /v1/me``, ``GET /v1/session/introspect`` and a WeChat login
with a valid JSON body, answered without FastAPI's routing, dependency solving, error
middleware and ``Response`` objects, which cost several times the session check itself
(issue 8, docs/performance.md).

The fast path is derived from the registered routes, not written beside them: at app build
:func:`derive` reads each hot route's dependant tree (endpoint, body model, dependencies,
response model) and builds a handler that calls the same endpoint with the same dependencies.
What it cannot run as FastAPI does (a dependency it does not know, a path, query, header or
cookie parameter, a response model it cannot render byte for byte, another status) stops the
build with :class:`ConfigurationError`, so a hot route cannot drift from its FastAPI twin.
A login body this path does not take (chunked, not JSON, not valid) goes to FastAPI as
received, so its errors are FastAPI's. Both paths sit behind one edge
(:class:`~wxsession.server.edge.ServiceApp`): request id, access line, body limit and any
middleware added to the app apply to every route.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from fastapi import FastAPI
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wxsession.core.errors import ConfigurationError
from wxsession.server.dependencies import (
    any_session,
    current_user,
    get_runtime,
    optional_session,
    require_session,
    runtime_dep,
    session_token,
)

Answer = tuple[int, bytes, list[tuple[bytes, bytes]]]
"""A JSON answer: status, body and the headers besides content type and length."""

Handler = Callable[[Request], Awaitable[Answer | None]]
"""An answer, or ``None``: not taken here, FastAPI answers (with the body replayed)."""

JSON = (b"content-type", b"application/json")


@dataclass(frozen=True)
class HotRoute:
    """A route the fast path answers. ``kept_per_value``: the body is a function of the
    route's one dependency value (a user row: the hot-session cache hands out one shared,
    read-only row per user until a change drops it), so it is rendered once per value."""

    method: str
    path: str
    kept_per_value: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


HOT_ROUTES = (
    HotRoute("GET", "/v1/me", kept_per_value=True),
    HotRoute("GET", "/v1/session/introspect"),
    HotRoute("POST", "/v1/auth/wechat/login"),
)

KNOWN_DEPENDENCIES: frozenset[object] = frozenset(
    {runtime_dep, session_token, optional_session, any_session, require_session, current_user}
)
"""What a hot route may depend on: ``async`` callables of the request and response whose cost
is known and small (FastAPI calls them inline too). Anything else runs on FastAPI's path."""

_LEAF_TYPES = (str, int, bool, datetime, type(None))
"""Field types whose ``model_dump_json`` text is FastAPI's (floats are not: ``1e16``)."""


def derive(app: FastAPI, hot: Iterable[HotRoute] = HOT_ROUTES) -> dict[tuple[str, str], Handler]:
    """A handler for each hot route, built from the route ``app`` would route it to; raises
    :class:`ConfigurationError` naming what the fast path cannot run."""
    routes = list(iter_route_contexts(app.routes))
    handlers: dict[tuple[str, str], Handler] = {}
    for spot in hot:
        route = _routed(routes, spot)
        problems = list(_problems(spot, route))
        if problems:
            raise ConfigurationError(
                f"the fast path cannot answer {spot} as its route does: {'; '.join(problems)}. "
                "Take it off HOT_ROUTES in wxsession/server/fast_routes.py, or teach the fast "
                "path to run it."
            )
        handlers[spot.method, spot.path] = _handler(spot, route)
    return handlers


def _routed(routes: list[Any], spot: HotRoute) -> Any:
    """The route FastAPI picks for ``spot``: the first that matches it fully."""
    scope = {"type": "http", "method": spot.method, "path": spot.path, "root_path": ""}
    for route in routes:
        if route.matches(scope)[0] == Match.FULL:
            if getattr(route, "dependant", None) is None:
                break
            return route
    raise ConfigurationError(f"the fast path's {spot} is not an API route of this app")


def _problems(spot: HotRoute, route: Any) -> Iterator[str]:
    dependant: Dependant = route.dependant
    yield from _parameters(dependant)
    if len(dependant.body_params) > 1 or (dependant.body_params and spot.method == "GET"):
        yield "a body it does not read"
    for field in dependant.body_params:
        if not _is_model(field.field_info.annotation):
            yield f"a body {field.name!r} that is not one model"
    for sub in dependant.dependencies:
        name = getattr(sub.call, "__name__", type(sub.call).__name__)
        if sub.call not in KNOWN_DEPENDENCIES or sub.name is None:
            yield f"the dependency {name}"
        elif sub.dependencies or next(_parameters(sub), None) is not None or not _positional(sub):
            yield f"the dependency {name} with parameters beyond the request and response"
    calls = [sub.call for sub in dependant.dependencies]
    if len(set(map(id, calls))) != len(calls):
        yield "a dependency used twice"
    if spot.kept_per_value and (len(calls) != 1 or dependant.body_params):
        yield "a body kept per value needs one dependency and nothing else"
    if route.status_code not in (None, 200):
        yield f"status {route.status_code}"
    response_class = route.response_class
    if not (
        isinstance(response_class, DefaultPlaceholder) and response_class.value is JSONResponse
    ):
        yield "a response class of its own"
    if any(
        (
            route.response_model_include,
            route.response_model_exclude,
            route.response_model_exclude_unset,
            route.response_model_exclude_defaults,
            route.response_model_exclude_none,
        )
    ):
        yield "response model options"
    model = route.response_model
    returned = typing.get_type_hints(dependant.call).get("return") if dependant.call else None
    if not _is_model(model) or returned is not model:
        yield f"a response model it does not know ({model!r})"
    else:
        yield from _unrenderable(typing.cast(type[BaseModel], model))


def _parameters(dependant: Dependant) -> Iterator[str]:
    for kind in ("path", "query", "header", "cookie"):
        for field in getattr(dependant, f"{kind}_params"):
            yield f"the {kind} parameter {field.name!r}"
    for kind in ("background_tasks", "security_scopes", "websocket", "http_connection"):
        if getattr(dependant, f"{kind}_param_name") is not None:
            yield f"a {kind.replace('_', ' ')} parameter"
    if dependant.call is not None and not _is_async(dependant.call):
        yield f"{dependant.call!r} is not an async function"


def _positional(sub: Dependant) -> bool:
    """Whether ``sub`` takes the request, then the response if any, and nothing else, so
    the fast path can pass them by position."""
    expected = [sub.request_param_name]
    if sub.response_param_name is not None:
        expected.append(sub.response_param_name)
    assert sub.call is not None
    return list(inspect.signature(sub.call).parameters) == expected


def _is_async(call: Callable[..., Any]) -> bool:
    if inspect.isasyncgenfunction(call) or inspect.isgeneratorfunction(call):
        return False
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(
        getattr(call, "__call__", None)  # noqa: B004 - a dependency object's own method
    )


def _is_model(kind: object) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def _unrenderable(model: type[BaseModel]) -> Iterator[str]:
    """What in ``model`` ``model_dump_json`` may render otherwise than FastAPI's serializer."""
    decorators = model.__pydantic_decorators__
    if decorators.field_serializers or decorators.model_serializers:
        yield f"{model.__name__} has serializers of its own"
    for name, field in model.model_fields.items():
        if field.alias or field.serialization_alias:
            yield f"{model.__name__}.{name} has an alias"
        if not _renderable(field.annotation):
            yield f"{model.__name__}.{name} is of a type it does not render ({field.annotation})"
        elif _is_model(field.annotation):
            yield from _unrenderable(field.annotation)  # type: ignore[arg-type]


def _renderable(kind: object) -> bool:
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        return all(_renderable(arg) for arg in typing.get_args(kind))
    return kind in _LEAF_TYPES or _is_model(kind)


def _handler(spot: HotRoute, route: Any) -> Handler:
    """The route's own work: its dependencies called as FastAPI calls them, its endpoint,
    its model rendered; the headers the dependencies and endpoint set on ``response``."""
    dependant: Dependant = route.dependant
    endpoint = dependant.call
    assert endpoint is not None
    steps = [
        (sub.name, sub.call, sub.response_param_name is not None) for sub in dependant.dependencies
    ]
    body_name, body_model = next(
        (
            (field.name, typing.cast(type[BaseModel], field.field_info.annotation))
            for field in dependant.body_params
        ),
        (None, None),
    )
    request_name, response_name = dependant.request_param_name, dependant.response_param_name
    kept: WeakKeyDictionary[Any, bytes] | None = (
        WeakKeyDictionary() if spot.kept_per_value else None
    )

    async def handle(request: Request) -> Answer | None:
        values: dict[str, Any] = {}
        if body_model is not None:
            proof = await _json_body(request, body_model)
            if proof is None:
                return None
            values[body_name] = proof  # type: ignore[index]
        response = _SetByRoute()
        for name, call, with_response in steps:  # by position: see _positional
            solved = call(request, response) if with_response else call(request)  # type: ignore[misc]
            values[name] = await solved  # type: ignore[index]
        if request_name is not None:
            values[request_name] = request
        if response_name is not None:
            values[response_name] = response
        body: bytes | None
        if kept is None:
            body = (await endpoint(**values)).model_dump_json().encode()
        else:
            (value,) = values.values()
            body = kept.get(value)
            if body is None:
                body = kept[value] = (await endpoint(**values)).model_dump_json().encode()
        return response.status_code or 200, body, response.raw_headers

    return handle


class _SetByRoute(Response):
    """The ``response`` a route's dependencies and endpoint set headers (Cache-Control, a
    cookie) or a status on, as FastAPI's sub-response; built without rendering a body or
    headers of its own, a third of the cost of a ``Response()``."""

    def __init__(self) -> None:
        self.status_code = None  # type: ignore[assignment]
        self.raw_headers = []


async def _json_body(request: Request, model: type[BaseModel]) -> BaseModel | None:
    """The body, when it is a JSON object of at most the configured size that ``model``
    accepts; ``None`` hands the request to FastAPI, which answers every other case (chunked,
    not JSON, not valid) exactly as it does for any route."""
    length = request.headers.get("content-length", "")
    media_type = request.headers.get("content-type", "")
    limit = get_runtime(request).settings.max_body_bytes
    if not (length.isdigit() and int(length) <= limit and media_type.startswith(JSON[1].decode())):
        return None
    try:
        return model.model_validate_json(await request.body())
    except ValidationError:
        return None


class HotRoutes:
    """The split behind the edge: the requests of ``handlers`` are answered here, every other
    (and every one while ``dependency_overrides`` are set, which only FastAPI honours) goes
    on to ``rest``, FastAPI's own stack."""

    def __init__(self, app: FastAPI, handlers: dict[tuple[str, str], Handler], rest: ASGIApp):
        self.app = app
        self.handlers = handlers
        self.rest = rest

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = (
            self.handlers.get((scope["method"], scope["path"])) if scope["type"] == "http" else None
        )
        if handler is None or self.app.dependency_overrides:
            await self.rest(scope, receive, send)
            return
        incoming = _Replayable(receive)
        request = Request(scope, incoming)
        try:
            answer = await handler(request)
        except Exception as exc:
            response = await self._rendered(request, exc)
            await response(scope, receive, send)
            return
        if answer is None:  # FastAPI's turn
            await self.rest(scope, incoming.replay(), send)
            return
        status, body, headers = answer
        headers = [(b"content-length", str(len(body)).encode()), JSON, *headers]  # FastAPI's order
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _rendered(self, request: Request, exc: Exception) -> Response:
        """``exc`` as the app's handlers render it: the handler of its nearest class, as
        Starlette picks it (a client gone mid-body is no error; an unexpected one is a
        logged 500)."""
        handlers = self.app.exception_handlers
        kind = next(k for k in type(exc).__mro__ if k in handlers)
        rendered = handlers[kind](request, exc)  # ours are all async
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
