"""The hot-session cache on the SQL store: ``PRAGMA data_version`` says another connection
committed, the announcements table says what changed, and anything unsure bypasses the cache.
"Another process" here is a second engine on the same file: to SQLite, the same thing."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.core import tokens
from wxsession.core.record import SessionRecord
from wxsession.core.session import ActiveSession
from wxsession.db import create_engine, sqlite_connector
from wxsession.sessions.cache import SessionCache
from wxsession.sessions.sql_feed import DataVersionFeed, SqlAnnouncer, sql_cache_for

USER = "a" * 32
KEY = tokens.storage_key(tokens.new_token(USER))
DIGEST = b"d" * 32


def session(key: str = KEY) -> ActiveSession:
    record = SessionRecord(
        public_id="p", user_id=USER, provider="wechat", app_id="wx", subject=None,
        union_id=None, session_key=None, created_at=0.0, last_seen=0.0, expires_at=1e12,
        absolute_expires_at=1e12,
    )  # fmt: skip
    return ActiveSession.of(key, record)


async def next_turn() -> None:
    """Let the loop run a turn (the feed's verdict holds for one)."""
    await asyncio.sleep(0)
    await asyncio.sleep(0)


async def caught_up(feed: DataVersionFeed) -> None:
    """Wait until the feed trusts its cache again (a catch-up reads through the engine)."""
    for _ in range(200):
        if feed.trusted():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the feed never caught up")


@pytest.fixture
async def other(sqlite_url: str, sqlite_engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """A second engine on the same file, as another process would hold."""
    engine = create_engine(sqlite_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def feed(sqlite_engine: AsyncEngine) -> AsyncIterator[DataVersionFeed]:
    connect = sqlite_connector(sqlite_engine.url)
    assert connect is not None
    feed = DataVersionFeed(connect, sqlite_engine, SessionCache(max_entries=10, max_age=30))
    await feed.start()
    yield feed
    await feed.stop()


async def test_a_quiet_file_is_trusted_and_serves_the_cache(feed: DataVersionFeed) -> None:
    feed.cache.put(DIGEST, session(), feed.cache.generation)
    await next_turn()
    assert feed.cache.get(DIGEST) is not None


async def test_a_commit_elsewhere_bypasses_until_caught_up(
    feed: DataVersionFeed, other: AsyncEngine
) -> None:
    feed.cache.put(DIGEST, session(), feed.cache.generation)
    async with other.begin() as conn:  # a commit that announces nothing (a renewal, say)
        await conn.execute(text("UPDATE users SET session_epoch = session_epoch"))
        await conn.execute(text("CREATE TABLE IF NOT EXISTS touched (x INTEGER)"))
    await next_turn()
    assert feed.cache.get(DIGEST) is None  # unsure until it has read the table
    await caught_up(feed)
    assert feed.cache.get(DIGEST) is not None  # nothing named it: still cached


async def test_an_announcement_elsewhere_drops_the_session(
    feed: DataVersionFeed, other: AsyncEngine
) -> None:
    feed.cache.put(DIGEST, session(), feed.cache.generation)
    await SqlAnnouncer(other).session_ended(KEY)
    await next_turn()
    await caught_up(feed)
    assert feed.cache.get(DIGEST) is None


async def test_the_verdict_holds_for_one_loop_turn_only(
    feed: DataVersionFeed, sqlite_url: str
) -> None:
    assert feed.trusted()
    with sqlite3.connect(sqlite_url.split("///", 1)[1]) as db:  # commits synchronously
        db.execute("CREATE TABLE IF NOT EXISTS touched (x INTEGER)")
    assert feed.trusted()  # the same turn: requests in it were read before the commit
    await next_turn()
    assert not feed.trusted()


async def test_a_check_that_fails_bypasses_the_cache(feed: DataVersionFeed) -> None:
    feed.cache.put(DIGEST, session(), feed.cache.generation)
    assert feed._watch is not None
    feed._watch.close()  # the watch connection breaks: data_version cannot be read
    await next_turn()
    assert feed.cache.get(DIGEST) is None


async def test_an_unreadable_table_keeps_the_cache_bypassed(
    feed: DataVersionFeed, sqlite_engine: AsyncEngine
) -> None:
    feed.cache.put(DIGEST, session(), feed.cache.generation)
    async with sqlite_engine.begin() as conn:
        await conn.execute(text("ALTER TABLE session_invalidations RENAME TO moved"))
    for _ in range(5):
        await next_turn()
        await asyncio.sleep(0.02)
        assert feed.cache.get(DIGEST) is None


async def test_only_a_sqlite_file_gets_a_cache(sqlite_engine: AsyncEngine) -> None:
    async with sql_cache_for(sqlite_engine, size=10, max_age=5) as (cache, announcer):
        assert cache is not None and announcer is not None
    async with sql_cache_for(sqlite_engine, size=0, max_age=5) as (cache, announcer):
        assert cache is None and announcer is not None  # others may cache: still announced
    memory = create_engine("sqlite+aiosqlite://")
    try:
        async with sql_cache_for(memory, size=10, max_age=5) as (cache, announcer):
            assert cache is None and announcer is None
    finally:
        await memory.dispose()
