"""Errors every operation with a JSON body can answer, documented once for all of them.

Any such route answers 400 ``INVALID_REQUEST`` to a body that is not JSON and 413
``PAYLOAD_TOO_LARGE`` to one over ``WXSESSION_MAX_BODY_BYTES`` (the middleware refuses it
before routing). Declaring that per route was forgotten more than once; a route added later
gets it here without anyone remembering.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from wxsession.errors import InvalidRequest, PayloadTooLarge

BODY_ERRORS = {400: InvalidRequest, 413: PayloadTooLarge}


def document_body_errors(app: FastAPI) -> None:
    """Make ``app.openapi()`` list :data:`BODY_ERRORS` on every operation with a body."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        error_ref = {"$ref": "#/components/schemas/ErrorOut"}
        for item in document.get("paths", {}).values():
            for operation in item.values():
                if not isinstance(operation, dict) or "requestBody" not in operation:
                    continue
                responses = operation.setdefault("responses", {})
                for status, error in BODY_ERRORS.items():
                    responses.setdefault(
                        str(status),
                        {
                            "description": error.default_message,
                            "content": {"application/json": {"schema": error_ref}},
                        },
                    )
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
