"""Our SQLite connections under SQLAlchemy: writers of one engine take turns on the event
loop (never in SQLite's sleeping busy handler), reads never wait for a writer, and a
statement's rows and counts come back whole."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.db import create_engine


@pytest.fixture
async def engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sqlite_url)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    await engine.dispose()


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0.005)


async def test_a_second_writer_waits_for_the_first_to_commit(engine: AsyncEngine) -> None:
    async def second() -> int:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (2)"))
            return int((await conn.execute(text("SELECT count(*) FROM t"))).scalar_one())

    async with engine.begin() as first:
        await first.execute(text("INSERT INTO t VALUES (1)"))
        waiting = asyncio.create_task(second())
        await settle()
        assert not waiting.done()  # its turn comes with the first's commit
        async with engine.connect() as reader:  # WAL: a read does not wait for writers
            assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
    assert await waiting == 2  # it saw the first's row: it started after the commit


async def test_a_rolled_back_writer_passes_the_turn(engine: AsyncEngine) -> None:
    with pytest.raises(RuntimeError):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (1)"))
            raise RuntimeError("abandoned")
    async with engine.begin() as conn:
        result = await conn.execute(text("INSERT INTO t VALUES (2), (3)"))
        assert result.rowcount == 2
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT n FROM t ORDER BY n"))).scalars().all()
    assert rows == [2, 3]
