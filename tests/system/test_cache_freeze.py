"""A frozen Redis (SIGSTOP) under load on two `wxsession serve` processes, several sessions:
no hot-session cache hit is served once the invalidation subscriber cannot prove it is
current (issue 19, point 17).

The condition that let hits outlive the heartbeat: a hit whose user's cached revocation
point had lapsed awaited a SQL read of it, and was served whenever that read came back,
however late (here the users table is locked meanwhile, as a migration or a busy pool would);
and trust lasted until a PING was *overdue*, up to ``heartbeat + max_lag`` (1.5 s) after the
freeze, not ``max_lag`` after the last proof."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from devtools.servers import RedisProcess
from tests.support.cli import serving
from tests.support.faults import Hammer
from wxsession.db import create_engine

pytestmark = pytest.mark.slow

MAX_LAG = 1.0
"""The subscriber's ``max_lag``: how old its last proof of being current may be."""
SIGNAL_SLACK = 0.05
"""Between ``kill(SIGSTOP)`` returning and the server having stopped answering."""
ANSWER_SLACK = 1.0
"""For a hit decided just inside the bound to reach its client on a loaded machine."""
LOCK_SECONDS = 4.0


@contextmanager
def users_table_locked(database_url: str, seconds: float) -> Iterator[None]:
    """Hold an exclusive lock on ``users`` for ``seconds`` (from entry): every read of a
    revocation point or a user row waits for it."""
    locked = threading.Event()

    async def hold() -> None:
        engine = create_engine(database_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))
                locked.set()
                await asyncio.sleep(seconds)
        finally:
            await engine.dispose()

    thread = threading.Thread(target=asyncio.run, args=(hold(),))
    thread.start()
    assert locked.wait(10)
    try:
        yield
    finally:
        thread.join()


def test_no_cache_hit_outlives_the_subscribers_proof(
    tmp_path: Path, own_redis: RedisProcess, postgres_url: str
) -> None:
    env = {
        "WXSESSION_DEV_MODE": "true",  # Redis and PostgreSQL alone do not imply it
        "WXSESSION_SESSION_STORE": own_redis.url,
        "WXSESSION_DATABASE_URL": postgres_url,
        "WXSESSION_LOG_LEVEL": "warning",
        "WXSESSION_REDIS_TIMEOUT": "0.5",
        "WXSESSION_REVOCATION_CACHE_SECONDS": "0.5",  # lapses while Redis is frozen
    }
    with ExitStack() as stack:
        instances = [stack.enter_context(serving(tmp_path, **env))[1] for _ in range(2)]
        first = instances[0]
        tokens = []
        for i in range(6):  # three users, two sessions each
            code = first.post("/_emulator/login", json={"user": f"freeze-{i % 3}"}).json()["code"]
            tokens.append(first.post("/v1/auth/wechat/login", json={"code": code}).json())
        with ExitStack() as load:
            hammers = [
                load.enter_context(Hammer(str(http.base_url), [t["session_id"] for t in tokens]))
                for http in instances
            ]
            time.sleep(1.0)
            locking = time.monotonic()
            try:
                with users_table_locked(postgres_url, LOCK_SECONDS):
                    own_redis.pause()
                    frozen = time.monotonic()
                time.sleep(3.0)  # for the requests held by the lock to be answered
                resumed = time.monotonic()
            finally:
                own_redis.resume()

    for hammer in hammers:
        before = hammer.between(0.0, locking)
        assert any(o.status == 200 for o in before), Counter(o.status for o in before)
        during = hammer.between(frozen, resumed)
        served = [o for o in during if o.status == 200]
        late_check = [o for o in served if o.sent >= frozen + MAX_LAG + SIGNAL_SLACK]
        assert not late_check, [round(o.sent - frozen, 2) for o in late_check]
        late_answer = [o for o in served if o.received > frozen + MAX_LAG + ANSWER_SLACK]
        assert not late_answer, [
            (round(o.sent - frozen, 2), round(o.received - frozen, 2)) for o in late_answer
        ]
        assert any(o.status == 503 for o in during), Counter(o.status for o in during)
        assert {o.status for o in during} <= {200, 503}
