"""Through the SessionManager on real Redis (and SQLite for the users): sessions written by the
release before the hash layout keep working, and a garbled record is an invalid session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
import redis.asyncio

from tests.support.clock import MovableClock
from tests.support.records import APP_ID, IDLE, MAX_AGE, make_record
from wxsession.accounts.repository import AccountRepository
from wxsession.core import tokens
from wxsession.core.errors import SessionInvalid
from wxsession.core.identity import Identity
from wxsession.sessions.ended import SqlRevocations
from wxsession.sessions.manager import SessionManager
from wxsession.sessions.redis import RedisSessionStore
from wxsession.sessions.revocation import RevocationCache

IDENTITY = Identity("wechat", APP_ID, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", None, "k")


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def manager(
    redis_url: str, revocation_source: SqlRevocations
) -> AsyncIterator[SessionManager]:
    store = RedisSessionStore.from_url(redis_url)
    try:
        yield SessionManager(
            store,
            idle_ttl=IDLE,
            max_age=MAX_AGE,
            touch_interval=60,
            clock=MovableClock(1_763_900_000.4567),
            revocations=RevocationCache(revocation_source, ttl=0),
        )
    finally:
        await store.close()


async def test_an_old_token_of_a_registered_user_resolves_until_revoked(
    manager: SessionManager, accounts: AccountRepository, raw: redis.asyncio.Redis
) -> None:
    """The previous release's layout: a registered user's 43-character token, its record in a
    string key (with the identity's secrets) and the user's set. It resolves and renews; it
    is not listed; logging out everywhere (the revocation epoch) still ends it."""
    user = await accounts.register(IDENTITY)
    now = manager.clock()
    old_token = tokens.new_token()
    key = tokens.storage_key(old_token)
    old = replace(make_record(None, now), user_id=user.id, public_id="0123456789abcdef01234567")
    await raw.set(f"wxs:s:{key}", old.to_bytes(), ex=IDLE)
    await raw.sadd(f"wxs:u:{user.id}", key)

    active = await manager.resolve(old_token)
    assert active.key == key and active.record == old
    assert isinstance(manager.clock, MovableClock)
    manager.clock.advance(120)
    assert (await manager.resolve(old_token)).record.last_seen == manager.clock()  # renewed

    fresh = await manager.create(IDENTITY, user.id, epoch=user.session_epoch)
    assert [k for k, _ in await manager.list_active(user.id)] == [tokens.storage_key(fresh.token)]
    assert await manager.revoke_all(user.id) == 1  # the new session's field ...
    with pytest.raises(SessionInvalid):
        await manager.resolve(old_token)  # ... and the old one by the raised epoch
    with pytest.raises(SessionInvalid):
        await manager.resolve(fresh.token)


async def test_a_garbled_record_is_an_invalid_session_not_a_500(
    manager: SessionManager, accounts: AccountRepository, raw: redis.asyncio.Redis
) -> None:
    user = await accounts.register(IDENTITY)
    issued = await manager.create(IDENTITY, user.id, epoch=user.session_epoch)
    place = tokens.split_key(tokens.storage_key(issued.token))
    assert place is not None
    await raw.hset(f"wxs:h:{user.id}", place[1], b"\x7f\x01")
    with pytest.raises(SessionInvalid):
        await manager.resolve(issued.token)

    pending = await manager.create(IDENTITY, None)
    await raw.set(f"wxs:s:{tokens.storage_key(pending.token)}", b"{not json")
    with pytest.raises(SessionInvalid):
        await manager.resolve(pending.token)


async def test_a_token_naming_another_user_finds_nothing(
    manager: SessionManager, accounts: AccountRepository
) -> None:
    """The user in a token only says where to look: with another user's id in front of a
    session's secret, the field (a hash of the whole token) is not there."""
    alice = await accounts.register(IDENTITY)
    bob = await accounts.register(replace(IDENTITY, subject="another-openid"))
    issued = await manager.create(IDENTITY, alice.id, epoch=alice.session_epoch)
    assert (await manager.resolve(issued.token)).record.user_id == alice.id
    secret = issued.token.partition(".")[2]
    with pytest.raises(SessionInvalid):
        await manager.resolve(f"{bob.id}.{secret}")
    with pytest.raises(SessionInvalid):
        await manager.resolve(secret)
