"""The ceiling: an ASGI app that answers constant JSON, served by the same uvicorn."""

from __future__ import annotations

from typing import Any

BODY = b'{"id":"0123456789abcdef0123456789abcdef","nickname":null}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
