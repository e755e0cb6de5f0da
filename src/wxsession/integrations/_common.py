"""What the sync adapters share: the error response every framework sends, byte for byte."""

from __future__ import annotations

import orjson

from wxsession.core.errors import WxSessionError
from wxsession.core.language import localized


def error_parts(
    error: WxSessionError, accept_language: str | None = None
) -> tuple[int, bytes, dict[str, str]]:
    """Status, JSON body and headers for ``error``: the same as the FastAPI server sends
    (``{"error": {"code", "message"}}``, ``Cache-Control: no-store``, ``Retry-After`` on 503),
    the message in the language the request's ``Accept-Language`` prefers."""
    headers = {"Cache-Control": "no-store", "Content-Type": "application/json", **error.headers}
    return error.status, orjson.dumps(localized(error, accept_language)), headers
