"""The throttle of failed open-data checks (:mod:`wxsession.throttle.open_data`) on real SQL
counters: only WeChat data errors keep their slot, a full window refuses before the check
runs, a parallel burst gets no more checks than the limit, and an unreachable store is a
503 before any check. The HTTP behaviour is in tests/api/test_open_data_oracle.py."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.clock import MovableClock
from wxsession.core.errors import RateLimited, SessionStoreUnavailable
from wxsession.core.platform_errors import (
    WeChatDataInvalid,
    WeChatReloginRequired,
    WeChatSignatureInvalid,
)
from wxsession.db import create_engine
from wxsession.throttle import SqlWindowStorage
from wxsession.throttle.open_data import OpenDataThrottle


def _throttle(engine: AsyncEngine, clock: MovableClock, failures: int) -> OpenDataThrottle:
    return OpenDataThrottle(SqlWindowStorage(engine, clock=clock), failures=failures, window=60)


async def test_only_wechat_data_errors_count(sqlite_engine: AsyncEngine) -> None:
    clock = MovableClock(start=1_000_000.0)
    throttle = _throttle(sqlite_engine, clock, failures=2)
    for _ in range(5):
        async with throttle.attempt("u1"):
            pass  # a check that passed
    for other in (RuntimeError("a bug"), WeChatReloginRequired()):
        with pytest.raises(type(other)):
            async with throttle.attempt("u1"):
                raise other
    for failure in (WeChatDataInvalid(), WeChatSignatureInvalid()):
        with pytest.raises(type(failure)):
            async with throttle.attempt("u1"):
                raise failure

    ran = False
    with pytest.raises(RateLimited) as refused:
        async with throttle.attempt("u1"):
            ran = True
    assert not ran
    assert refused.value.status == 429
    assert refused.value.headers["Retry-After"] == "61"  # the first whole second after 60
    async with throttle.attempt("u2"):  # per user
        pass

    clock.advance(61)  # the failures left the window
    async with throttle.attempt("u1"):
        ran = True
    assert ran


async def test_a_parallel_burst_gets_no_more_checks_than_the_limit(
    sqlite_engine: AsyncEngine,
) -> None:
    throttle = _throttle(sqlite_engine, MovableClock(start=1_000_000.0), failures=3)
    arrived, everyone_in, checked = 0, asyncio.Event(), 0

    def arrive() -> None:
        nonlocal arrived
        arrived += 1
        if arrived == 12:
            everyone_in.set()

    async def guess() -> None:
        nonlocal checked
        try:
            async with throttle.attempt("u1"):
                checked += 1
                arrive()
                await everyone_in.wait()  # every reserved check is in flight at once
                raise WeChatDataInvalid()
        except RateLimited:
            arrive()
            raise

    results = await asyncio.gather(*(guess() for _ in range(12)), return_exceptions=True)
    assert checked == 3
    assert sum(isinstance(r, RateLimited) for r in results) == 9
    assert sum(isinstance(r, WeChatDataInvalid) for r in results) == 3


async def test_an_unreachable_store_fails_closed_before_the_check() -> None:
    engine = create_engine("postgresql+asyncpg://wxs:wxs@127.0.0.1:1/nowhere")
    try:
        throttle = OpenDataThrottle(SqlWindowStorage(engine))
        ran = False
        with pytest.raises(SessionStoreUnavailable):
            async with throttle.attempt("u1"):
                ran = True
        assert not ran
    finally:
        await engine.dispose()
