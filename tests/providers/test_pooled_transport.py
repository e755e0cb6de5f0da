"""The WeChat client's connection pools, against a real HTTP server on loopback: connections
are bounded by ``max_connections`` and kept alive between waves of concurrent calls."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from wxsession.providers.http import AiohttpTransport
from wxsession.server.background import serve_in_thread


class Peers:
    """A server that answers after 20 ms and records each client (host, port) it served."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, int]] = set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        self.seen.add(tuple(scope["client"]))
        await asyncio.sleep(0.02)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def peers() -> Iterator[tuple[Peers, str]]:
    app = Peers()
    with serve_in_thread(app) as url:
        yield app, url


async def test_connections_are_bounded_and_reused(peers: tuple[Peers, str]) -> None:
    app, url = peers
    transport = AiohttpTransport(max_connections=6, keepalive_expiry=30)
    async with httpx.AsyncClient(transport=transport) as client:

        async def wave() -> list[int]:
            answers = await asyncio.gather(*(client.get(url) for _ in range(24)))
            return [answer.status_code for answer in answers]

        assert await wave() == [200] * 24
        first = set(app.seen)
        assert 1 <= len(first) <= 6
        assert await wave() == [200] * 24
        assert app.seen == first  # the second wave reconnected nowhere
