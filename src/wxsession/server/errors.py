"""Rendering every failure as ``{"error": {"code", "message"}}`` with a fitting status."""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from wxsession.core.errors import (
    DatabaseUnavailable,
    InternalError,
    InvalidRequest,
    SessionStoreUnavailable,
    ValidationFailed,
    WxSessionError,
)
from wxsession.core.language import chinese, localized, prefers_chinese
from wxsession.logging_setup import request_id

log = logging.getLogger("wxsession.server")

HTTP_CODES = {
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}
"""The codes of Starlette's own HTTP errors (an unknown path, a wrong method); any other is
``HTTP_ERROR``."""


def error_response(error: WxSessionError, accept_language: str | None = None) -> JSONResponse:
    """``error`` as its JSON answer, the message in the language ``accept_language``
    prefers (:mod:`wxsession.core.language`)."""
    headers = {"Cache-Control": "no-store", **error.headers}
    body = localized(error, accept_language)
    return JSONResponse(body, status_code=error.status, headers=headers)


def _language(request: Request) -> str | None:
    return request.headers.get("accept-language")


_STORE_OF: dict[type[WxSessionError], str] = {
    SessionStoreUnavailable: "session",
    DatabaseUnavailable: "database",
}


async def _wxsession_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WxSessionError)
    if exc.status >= 500:
        log.warning("request failed: %s", exc.code)
        store = _STORE_OF.get(type(exc))
        runtime = getattr(request.app.state, "wxsession", None)
        if store is not None and runtime is not None:
            runtime.metrics.store_error(store)
    return error_response(exc, _language(request))


UNPARSABLE_BODY = "The body is not JSON this API can read."
"""Not JSON, not UTF-8, or JSON beyond what the parser takes (nesting too deep, an integer of
thousands of digits): one answer, 400 ``INVALID_REQUEST``."""

CLIENT_CLOSED_REQUEST = 499
"""nginx's status for a request whose client went away before the answer: the access line
shows it; nothing is sent, the connection is gone."""


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        return error_response(InvalidRequest(UNPARSABLE_BODY), _language(request))
    # Echo where and why, never the submitted values (they may be secrets).
    fields = [
        {"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", ""))}
        for error in errors
    ]
    return error_response(ValidationFailed(details=fields), _language(request))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.__cause__, ClientDisconnect):  # FastAPI's wrapping of a body read
        return await _client_gone(request, exc.__cause__)
    if exc.status_code == 400 and exc.__cause__ is not None:
        # FastAPI could not read the body (deep, not UTF-8, huge ints): it wraps the parser's
        # error. A 400 a user's own route raises keeps its message.
        return error_response(InvalidRequest(UNPARSABLE_BODY), _language(request))
    code = HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
    message = str(exc.detail)
    if prefers_chinese(_language(request)):
        message = chinese(code, message)
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


_OPERATIONS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def _allowed_methods(request: Request) -> str | None:
    """Every method the API documents for this path. Starlette's 405 names only the first
    route that matched, but FastAPI makes one route per method (``GET`` and ``DELETE`` on
    ``/v1/sessions`` are two). Read from the (cached) OpenAPI document, the public map of
    routes; ``None`` for a path it does not list."""
    app = request.app
    if not isinstance(app, FastAPI):
        return None
    for template, item in app.openapi().get("paths", {}).items():
        if _template(template).fullmatch(request.url.path):
            return ", ".join(sorted(m.upper() for m in item if m in _OPERATIONS))
    return None


@functools.lru_cache(maxsize=256)
def _template(path: str) -> re.Pattern[str]:
    """``/v1/sessions/{session_id}`` as a regular expression (a parameter is one segment)."""
    return re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)))


async def _client_gone(_: Request, exc: Exception) -> Response:
    """The client closed the connection before sending its whole body: not a failure of ours,
    so no error log and no 500, only the access line's 499."""
    assert isinstance(exc, ClientDisconnect)
    return Response(status_code=CLIENT_CLOSED_REQUEST)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled %s", type(exc).__name__, exc_info=exc)
    response = error_response(InternalError(), _language(request))
    # Starlette sends this 500 from outside every middleware, the access log's too: name the
    # request here, so the client can quote the id the log line carries.
    rid = request_id.get()
    if rid is not None:
        response.headers["X-Request-Id"] = rid
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(WxSessionError, _wxsession_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(Exception, _unexpected)
