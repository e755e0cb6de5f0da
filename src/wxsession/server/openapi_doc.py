"""What FastAPI's OpenAPI document cannot say by itself, added once for every route.

- Errors every operation with a JSON body can answer: 400 ``INVALID_REQUEST`` to a body that
  is not JSON and 413 ``PAYLOAD_TOO_LARGE`` to one over ``WXSESSION_MAX_BODY_BYTES`` (the
  middleware refuses it before routing). Declaring that per route was forgotten more than
  once; a route added later gets it here without anyone remembering.
- 400 ``INVALID_REQUEST`` on every operation that reads the session: two different tokens,
  or the session header twice (:class:`~wxsession.core.errors.SessionAmbiguous`), whatever the
  route, in the service and in a user's app alike; and 403 ``CROSS_SITE_REQUEST`` on those
  that change state (with the cookie carrier, :mod:`wxsession.csrf`).
- A session that is optional (the login routes end the one presented, if any): FastAPI
  writes every security scheme as required, so generated clients would demand a session
  to log in. Such operations get ``security: [{}, {"session": []}]``, OpenAPI's "either".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI

from wxsession.core.errors import (
    CrossSiteRequest,
    InvalidRequest,
    PayloadTooLarge,
    SessionAmbiguous,
    WxSessionError,
)
from wxsession.csrf import SAFE_METHODS
from wxsession.server.dependencies import OPTIONAL_SCHEME, SCHEME

BODY_ERRORS = {400: InvalidRequest, 413: PayloadTooLarge}


def document_api(app: FastAPI, *, body_errors: bool = True) -> None:
    """Make ``app.openapi()`` mark optional sessions as optional and, with ``body_errors``
    (the service, whose middleware answers them), list :data:`BODY_ERRORS` on every
    operation with a body. A user's own app mounting our routes takes the first part only:
    its own routes may answer bodies otherwise."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        if body_errors:
            _body_errors(document)
        _session_errors(document)
        _optional_sessions(document)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _operations(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every operation of every path in the document."""
    for _, operation in _methods(document):
        yield operation


def _methods(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every operation of every path in the document, with its method (upper case)."""
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if isinstance(operation, dict):
                yield method.upper(), operation


def _declare(operation: dict[str, Any], status: int, error: type[WxSessionError]) -> None:
    """List ``error``'s answer under ``status`` unless the operation names that status."""
    operation.setdefault("responses", {}).setdefault(
        str(status),
        {
            "description": error.default_message,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        },
    )


def _body_errors(document: dict[str, Any]) -> None:
    for operation in _operations(document):
        if "requestBody" in operation:
            for status, error in BODY_ERRORS.items():
                _declare(operation, status, error)


def _session_errors(document: dict[str, Any]) -> None:
    """Run before :func:`_optional_sessions`, while both schemes still have their names."""
    for method, operation in _methods(document):
        if any(SCHEME in need or OPTIONAL_SCHEME in need for need in operation.get("security", [])):
            _declare(operation, SessionAmbiguous.status, SessionAmbiguous)
            if method not in SAFE_METHODS:
                _declare(operation, CrossSiteRequest.status, CrossSiteRequest)


def _optional_sessions(document: dict[str, Any]) -> None:
    document.get("components", {}).get("securitySchemes", {}).pop(OPTIONAL_SCHEME, None)
    for operation in _operations(document):
        security = operation.get("security")
        if not security or not any(OPTIONAL_SCHEME in need for need in security):
            continue
        required = [need for need in security if OPTIONAL_SCHEME not in need]
        operation["security"] = required or [{}, {SCHEME: []}]
