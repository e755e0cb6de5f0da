"""The shared access token's lease, on a real SQLite database: two managers stand for two
processes; WeChat's token endpoint is a small in-process stand-in whose answers we choose."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.core.platform_errors import WeChatAccessTokenRejected, WeChatUnavailable
from wxsession.platforms.wechat.access_token import LEASE_MARGIN, AccessTokenManager, SqlTokenCache
from wxsession.platforms.wechat.api import AccessToken

APPID = "wx-lease-test"


class TokenEndpoint:
    """Hands out ``{name}-1``, ``{name}-2``, … after ``delay`` seconds; records each call's
    ``force_refresh``."""

    def __init__(self, name: str = "token", delay: float = 0.0) -> None:
        self.name = name
        self.delay = delay
        self.calls: list[bool] = []

    async def __call__(self, force_refresh: bool) -> AccessToken:
        self.calls.append(force_refresh)
        await asyncio.sleep(self.delay)
        return AccessToken(token=f"{self.name}-{len(self.calls)}", expires_in=7200)


def manager(
    engine: AsyncEngine, fetch: Callable[[bool], Awaitable[AccessToken]], timeout: float
) -> AccessTokenManager:
    return AccessTokenManager.for_timeout(
        SqlTokenCache(engine), APPID, fetch, timeout=timeout, clock=time.time
    )


def test_the_lease_outlasts_the_fetch_and_the_wait_outlasts_the_lease(
    sqlite_engine: AsyncEngine,
) -> None:
    for timeout in (0.5, 5.0, 60.0):  # WXSESSION_WECHAT_TIMEOUT's range
        tokens = manager(sqlite_engine, TokenEndpoint(), timeout)
        assert tokens.lease >= timeout + LEASE_MARGIN
        assert tokens.wait >= tokens.lease + timeout + LEASE_MARGIN


async def test_a_worker_whose_lease_was_taken_over_serves_the_shared_token(
    sqlite_engine: AsyncEngine,
) -> None:
    slow = TokenEndpoint("slow", delay=0.8)
    fast = TokenEndpoint("fast")
    # The slow worker's lease (0.1 + margin) is shortened below its fetch for the test.
    first = manager(sqlite_engine, slow, timeout=0.1)
    first.lease = 0.3
    second = manager(sqlite_engine, fast, timeout=0.1)

    slow_call = asyncio.create_task(first.token())
    await asyncio.sleep(0.5)  # the first lease has lapsed; the first fetch is still running
    assert await second.token() == "fast-1"  # fetched by the second worker, and stored
    assert await slow_call == "fast-1"  # not its own fetch "slow-1", which the row refused
    assert slow.calls == [False]
    cached = await SqlTokenCache(sqlite_engine).read(APPID)
    assert cached is not None and cached.token == "fast-1"


async def test_a_lease_left_by_a_dead_worker_is_taken_over_before_callers_give_up(
    sqlite_engine: AsyncEngine,
) -> None:
    endpoint = TokenEndpoint()
    tokens = manager(sqlite_engine, endpoint, timeout=0.1)
    tokens.lease, tokens.wait = 0.4, 0.4 + 0.1 + 0.2  # for_timeout's proportions, shorter
    cache = SqlTokenCache(sqlite_engine)
    assert await cache.try_lease(APPID, "dead-worker", time.time(), tokens.lease)
    assert await tokens.token() == "token-1"  # waited out the dead lease, then fetched
    assert endpoint.calls == [False]


def refusing(*refused: str) -> Callable[[str], Awaitable[str]]:
    """A WeChat call that answers 40001 to the ``refused`` tokens and echoes any other."""

    async def operation(token: str) -> str:
        if token in refused:
            raise WeChatAccessTokenRejected()
        return token

    return operation


async def test_a_refused_token_is_replaced_with_force_refresh_never_cached_again(
    sqlite_engine: AsyncEngine,
) -> None:
    endpoint = TokenEndpoint()
    tokens = manager(sqlite_engine, endpoint, timeout=1.0)
    assert await tokens.token() == "token-1"
    assert await tokens.call(refusing("token-1")) == "token-2"
    assert endpoint.calls == [False, True]
    cached = await SqlTokenCache(sqlite_engine).read(APPID)
    assert cached is not None and cached.token == "token-2"


async def test_the_same_token_back_after_a_refusal_is_not_cached(
    sqlite_engine: AsyncEngine,
) -> None:
    async def stubborn(force_refresh: bool) -> AccessToken:
        return AccessToken(token="token-1", expires_in=7200)

    tokens = manager(sqlite_engine, stubborn, timeout=1.0)
    with pytest.raises(WeChatUnavailable):
        await tokens.call(refusing("token-1"))
    cached = await SqlTokenCache(sqlite_engine).read(APPID)
    assert cached is not None and cached.discarded
