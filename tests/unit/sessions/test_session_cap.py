"""The per-user session cap on a real SQLite store: a login's write returns the user's count
of records, and the login lists them only beyond the cap (issue 8: a login must not read
every session of its user)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Collection

import pytest

from tests.support.records import ALICE, BOB, IDLE, MAX_AGE, new_session
from wxsession.core.identity import Identity
from wxsession.core.record import SessionRecord
from wxsession.db import create_engine
from wxsession.sessions.manager import SessionManager
from wxsession.sessions.revocation import RevocationCache, RevocationPoint
from wxsession.sessions.sql import SqlSessionStore, sessions_table

IDENTITY = Identity("wechat", "wx5e1f0c3a9b7d2e46", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", None, "k")


class ListingCounter(SqlSessionStore):
    """The real SQL store, recording how often a user's sessions were listed."""

    listings = 0

    async def list_for_user(self, user_id: str, now: float) -> list[tuple[str, SessionRecord]]:
        self.listings += 1
        return await super().list_for_user(user_id, now)


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[ListingCounter]:
    engine = create_engine(sqlite_url)
    async with engine.begin() as conn:
        await conn.run_sync(sessions_table.create)
    try:
        yield ListingCounter(engine)
    finally:
        await engine.dispose()


async def test_create_counts_that_users_rows_expired_ones_included(
    store: ListingCounter,
) -> None:
    now = time.time()
    held = [await store.create(*new_session(user, now), now) for user in (ALICE, ALICE, BOB)]
    assert held == [1, 2, 1]
    lapsed_key, lapsed = new_session(
        ALICE, now - MAX_AGE, expires_at=now - 1, absolute_expires_at=now - 1
    )
    assert await store.create(lapsed_key, lapsed, now) == 3  # not reclaimed yet: counted
    assert await store.create(*new_session(None, now), now) == 0


async def test_logins_list_sessions_only_beyond_the_cap(store: ListingCounter) -> None:
    manager = SessionManager(
        store, idle_ttl=IDLE, max_age=MAX_AGE, touch_interval=60, max_sessions=3
    )
    issued = [await manager.create(IDENTITY, ALICE) for _ in range(3)]
    assert store.listings == 0
    assert all(not session.evicted for session in issued)
    fourth = await manager.create(IDENTITY, ALICE)
    assert store.listings == 1
    assert [record.public_id for record in fourth.evicted] == [issued[0].record.public_id]
    assert len(await store.list_for_user(ALICE, time.time())) == 3


class Epochs:
    """Revocation points kept in memory, counting reads (what the login must not need)."""

    def __init__(self) -> None:
        self.reads = 0

    async def revocation_point(self, user_id: str, now: float) -> RevocationPoint | None:
        self.reads += 1
        return RevocationPoint(1, {})

    async def raise_session_epoch(self, user_id: str) -> int | None:
        return 2

    async def end_sessions(
        self, user_id: str, public_ids: Collection[str], until: float, now: float, reason: str
    ) -> None:
        raise AssertionError("nothing is beyond the cap here: nothing to end")


async def test_beyond_the_cap_the_logins_revocation_point_decides_what_is_live(
    store: ListingCounter,
) -> None:
    """Records issued before the revocation point the login read with the user row are not
    live sessions to keep, and that point is not read a second time."""
    epochs = Epochs()
    manager = SessionManager(
        store,
        idle_ttl=IDLE,
        max_age=MAX_AGE,
        touch_interval=60,
        max_sessions=2,
        revocations=RevocationCache(epochs),
    )
    await manager.create(IDENTITY, ALICE, epoch=0)
    await manager.create(IDENTITY, ALICE, epoch=0)
    current = await manager.create(IDENTITY, ALICE, epoch=1)
    assert store.listings == 1
    assert current.evicted == ()  # one live session (epoch 1) is within the cap of 2
    assert epochs.reads == 0
