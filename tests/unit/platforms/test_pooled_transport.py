"""The platform calls' connection pool, against a real HTTP server on loopback: connections
are bounded by ``max_connections`` and kept alive between waves of concurrent calls."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from wxsession.core.platform_errors import WeChatError, WeChatUnavailable
from wxsession.platforms.http import AiohttpPool, PlatformClient, PlatformHttp
from wxsession.platforms.wire import PlatformRequest
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


def _shell(client: PlatformClient, url: str) -> PlatformHttp:
    return PlatformHttp(
        client,
        url,
        timeout=5.0,
        platform="Peers",
        unavailable=WeChatUnavailable,
        malformed=WeChatError,
    )


async def test_connections_are_bounded_and_reused(peers: tuple[Peers, str]) -> None:
    app, url = peers
    pool = AiohttpPool(httpx.Timeout(5.0), max_connections=6, keepalive_expiry=30)
    async with PlatformClient(pool=pool) as client:
        shell = _shell(client, url)

        async def wave() -> list[tuple[int, bytes]]:
            return await asyncio.gather(
                *(shell.send(PlatformRequest("GET", "/")) for _ in range(24))
            )

        assert await wave() == [(200, b"ok")] * 24
        first = set(app.seen)
        assert 1 <= len(first) <= 6
        assert await wave() == [(200, b"ok")] * 24
        assert app.seen == first  # the second wave reconnected nowhere


@pytest.mark.parametrize("close", ["async with", "aclose"])
async def test_closing_the_client_closes_the_pool(
    peers: tuple[Peers, str], close: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = PlatformClient(
        pool=AiohttpPool(httpx.Timeout(5.0), max_connections=2, keepalive_expiry=30)
    )
    shell = _shell(client, peers[1])
    if close == "async with":
        async with client:
            assert await shell.send(PlatformRequest("GET", "/")) == (200, b"ok")
    else:
        assert await shell.send(PlatformRequest("GET", "/")) == (200, b"ok")
        await client.aclose()
    del client, shell
    gc.collect()  # an aiohttp session collected open reports itself through asyncio's logger
    assert "Unclosed" not in caplog.text
