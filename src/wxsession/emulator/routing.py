"""What every platform's emulated routes share: the descriptor the app mounts, the answer
path through faults and latency, reading request bodies as the platforms do, and checking a
signed call's timestamp.

Nothing here logs a secret or a code: the one log line names the path and the errcode.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wxsession.emulator.core import EmulatorCore
from wxsession.emulator.faults import ErrorBody

log = logging.getLogger("wxsession.emulator")

MAX_CONTROL_BODY = 16 * 1024

Params = TypeVar("Params")
"""A call's parameters, as a route reads them from its request."""


@dataclass(frozen=True, slots=True)
class EmulatedPlatform:
    """One platform as the emulator plays it: its name (as in ``/_emulator/login``'s
    ``platform``), the path prefix its host is served under, and its API routes."""

    name: str
    prefix: str
    routes: Callable[[EmulatorCore], list[Route]]


class BadRequest(Exception):
    """A control request the emulator refuses with 400 and ``{"error": message}``."""


async def answer(
    emulator: EmulatorCore,
    request: Request,
    produce: Callable[[], dict[str, Any]],
    error: ErrorBody,
    *,
    errcode_field: str = "errcode",
    media_type: str = "text/plain",
    status: Callable[[dict[str, Any]], int] | None = None,
) -> Response:
    """One API call: its latency and forced answer (in ``error``'s shape) if faults say so,
    else ``produce()`` as JSON, with HTTP 200 (as most platforms answer errors too) or the
    status ``status`` gives that answer (platforms that answer errors with 4xx)."""
    latency, forced = emulator.begin_call(request.url.path, error)
    if latency:
        await asyncio.sleep(latency)
    if forced is not None:
        return Response(forced.body, status_code=forced.status, media_type=forced.media_type)
    result = produce()
    log.debug("%s errcode=%s", request.url.path, result.get(errcode_field, 0))
    code = 200 if status is None else status(result)
    return Response(json.dumps(result), status_code=code, media_type=media_type)


def api_route(
    emulator: EmulatorCore,
    path: str,
    methods: list[str],
    read: Callable[[Request], Awaitable[Params]],
    produce: Callable[[Params], dict[str, Any]],
    error: ErrorBody,
    *,
    errcode_field: str = "errcode",
    media_type: str = "application/json",
    status: Callable[[dict[str, Any]], int] | None = None,
) -> Route:
    """An API path that answers one call: its parameters as ``read`` takes them from the
    request, then ``produce(params)`` through :func:`answer`."""

    async def endpoint(request: Request) -> Response:
        params = await read(request)
        return await answer(
            emulator,
            request,
            lambda: produce(params),
            error,
            errcode_field=errcode_field,
            media_type=media_type,
            status=status,
        )

    return Route(path, endpoint, methods=methods)


async def query(request: Request) -> Mapping[str, str]:
    """The query string's parameters, for a platform's GET call."""
    return request.query_params


async def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object, or :class:`BadRequest`."""
    body = await request.body()
    if len(body) > MAX_CONTROL_BODY:
        raise BadRequest("body too large")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise BadRequest("body must be JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    return data


async def json_or_empty(request: Request) -> dict[str, Any]:
    """An API body as the platforms read it: anything but a JSON object counts as empty, so
    the answer is the error code for the missing field."""
    try:
        return await json_object(request)
    except BadRequest:
        return {}


async def form_or_empty(request: Request) -> dict[str, str]:
    """An HTML form body (``application/x-www-form-urlencoded``) as the platforms read it:
    the first value of each field; a body too large or not text counts as empty."""
    body = await request.body()
    if len(body) > MAX_CONTROL_BODY:
        return {}
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return {}
    form: dict[str, str] = {}
    for name, value in pairs:
        form.setdefault(name, value)
    return form


async def call_params(request: Request) -> dict[str, str]:
    """A gateway call's parameters, read from the query string and a form body alike, as the
    signing gateways read them (a body field wins; a body too large is passed over)."""
    params = dict(request.query_params)
    body = await request.body()
    if body and len(body) <= MAX_CONTROL_BODY:
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return params


def timely(emulator: EmulatorCore, stamp: str, layout: str, zone: tzinfo, window: float) -> bool:
    """Whether a signed call's ``stamp`` (``layout`` in ``zone``) is within ``window`` seconds
    of the emulator's clock, as gateways refuse replayed calls; a malformed stamp is not."""
    try:
        sent = datetime.strptime(stamp, layout).replace(tzinfo=zone)
    except ValueError:
        return False
    return abs(sent.timestamp() - emulator.clock()) <= window
