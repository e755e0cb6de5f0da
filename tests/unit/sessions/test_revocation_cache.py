"""The revocation point's in-process cache, over a real (SQLite) user database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from wxsession.accounts.repository import AccountRepository
from wxsession.core.errors import SessionInvalid
from wxsession.core.identity import Identity
from wxsession.core.session_errors import SessionReplaced, SessionRevoked
from wxsession.core.user import UserView
from wxsession.sessions.ended import SqlRevocations, ended_sessions_table
from wxsession.sessions.revocation import (
    LOGOUT,
    REPLACED,
    REVOKED,
    RevocationCache,
    RevocationPoint,
)


class CountingSource(SqlRevocations):
    """The real revocation points, counting how often the cache goes to SQL."""

    def __init__(self, real: SqlRevocations) -> None:
        super().__init__(real.engine, real.accounts)
        self.reads = 0

    async def revocation_point(self, user_id: str, now: float) -> RevocationPoint | None:
        self.reads += 1
        return await super().revocation_point(user_id, now)


async def epoch(cache: RevocationCache, user_id: str) -> int | None:
    point = await cache.point(user_id)
    return None if point is None else point.epoch


@pytest.fixture
async def user(accounts: AccountRepository) -> UserView:
    return await accounts.register(Identity("wechat", "wxapp", "openid-1", None, None))


async def test_cache_window_own_revocations_and_gone_users(
    accounts: AccountRepository, revocation_source: SqlRevocations, user: UserView
) -> None:
    now = [0.0]
    source = CountingSource(revocation_source)
    here = RevocationCache(source, ttl=5, monotonic=lambda: now[0])
    elsewhere = RevocationCache(revocation_source, ttl=5)  # another process, same database

    assert await epoch(here, user.id) == 0
    assert await epoch(here, user.id) == 0
    assert source.reads == 1  # one SQL read per user per window, not per request

    assert await elsewhere.revoke(user.id, [], until=100.0) == 1
    now[0] = 4.9
    assert await epoch(here, user.id) == 0  # the accepted window: up to ttl seconds late
    now[0] = 5.0
    assert await epoch(here, user.id) == 1

    assert await here.revoke(user.id, [], until=100.0) == 2  # this process's own: at once
    assert await epoch(here, user.id) == 2
    stored = await accounts.get_user(user.id)
    assert stored is not None and stored.sessions_revoked_at is not None

    assert await accounts.delete_user(user.id)
    now[0] = 20.0
    assert await epoch(here, user.id) is None  # a gone user: nothing of theirs is valid
    assert await here.revoke("no-such-user", [], until=100.0) is None


async def test_known_answers_from_memory_only_while_the_entry_is_fresh(
    revocation_source: SqlRevocations, user: UserView
) -> None:
    """The per-request check without a coroutine: anything it cannot answer from a fresh
    entry is ``None``, which sends the caller to :meth:`RevocationCache.point`."""
    now = [0.0]
    source = CountingSource(revocation_source)
    epochs = RevocationCache(source, ttl=5, clock=lambda: 0.0, monotonic=lambda: now[0])

    assert epochs.known(user.id) is None  # never read: not known
    assert await epoch(epochs, user.id) == 0
    assert epochs.known(user.id) == RevocationPoint(0, {})
    assert await epochs.revoke(user.id, ["pp"], until=100.0) == 1
    assert epochs.known(user.id) is None  # its own revocation: read afresh, with the reasons
    assert await epochs.point(user.id) == RevocationPoint(1, {"pp": REVOKED})
    epochs.forget(user.id)  # announced from elsewhere
    assert epochs.known(user.id) is None
    assert await epoch(epochs, user.id) == 1
    await revocation_source.end_sessions(user.id, ["qq"], until=100.0, now=0.0, reason=REPLACED)
    assert epochs.known(user.id) == RevocationPoint(1, {"pp": REVOKED})  # ended elsewhere
    assert await epochs.current(user.id) == RevocationPoint(1, {"pp": REVOKED, "qq": REPLACED})
    assert epochs.known(user.id) == RevocationPoint(1, {"pp": REVOKED, "qq": REPLACED})
    now[0] = 5.0
    assert epochs.known(user.id) is None  # lapsed
    assert source.reads == 4  # known() itself never reads; current() always does


async def test_single_ends_are_read_with_the_epoch_and_pruned_once_lapsed(
    accounts: AccountRepository, revocation_source: SqlRevocations, user: UserView
) -> None:
    """Sessions ended alone are part of the revocation point until they would have lapsed;
    later writes prune them (no background job), and ending one twice keeps one row."""
    other = await accounts.register(Identity("wechat", "wxapp", "openid-2", None, None))
    await revocation_source.end_sessions(user.id, ["aa", "bb"], until=100.0, now=0.0, reason=LOGOUT)
    await revocation_source.end_sessions(user.id, ["bb"], until=120.0, now=1.0, reason=REVOKED)
    assert await revocation_source.revocation_point(user.id, 50.0) == RevocationPoint(
        0,
        {"aa": LOGOUT, "bb": REVOKED},  # the later end of bb is the one kept
    )
    assert await revocation_source.revocation_point(other.id, 50.0) == RevocationPoint(0, {})
    assert await revocation_source.revocation_point(user.id, 110.0) == RevocationPoint(
        0,
        {"bb": REVOKED},  # aa would have lapsed: no longer read
    )

    async def rows() -> list[tuple[str, str]]:
        async with revocation_source.engine.connect() as conn:
            found = await conn.execute(
                select(ended_sessions_table.c.user_id, ended_sessions_table.c.public_id)
            )
            return sorted((u, p) for u, p in found.all())

    assert await rows() == [(user.id, "aa"), (user.id, "bb")]
    await revocation_source.end_sessions(other.id, ["cc"], until=300.0, now=200.0, reason=LOGOUT)
    assert await rows() == [(other.id, "cc")]  # another user's write, a minute on, pruned them
    assert await revocation_source.revocation_point("no-such-user", 0.0) is None


def test_a_refused_session_is_told_why_by_its_own_public_id_alone() -> None:
    point = RevocationPoint(2, {"aa": REPLACED, "bb": REVOKED, "cc": LOGOUT})
    assert type(point.refusal("aa")) is SessionReplaced
    assert type(point.refusal("bb")) is SessionRevoked
    assert type(point.refusal("cc")) is SessionInvalid  # its holder logged out
    assert type(point.refusal("zz")) is SessionInvalid  # never issued (or lapsed): nothing
    assert type(point.refusal("zz", issued=True)) is SessionRevoked  # a survivor below epoch 2
