"""Our SQLite connections under SQLAlchemy: writers of one engine take turns on the event
loop (never in SQLite's sleeping busy handler), reads never wait for a writer, a statement's
rows and counts come back whole, and the loop never waits on SQLite: a statement that meets a
lock or outgrows its budget runs on the connection's thread, and checkpoints run there too."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from wxsession import sqlite_async
from wxsession.db import create_engine
from wxsession.sqlite_async import STEP_BUDGET, THREAD_NAME


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


# --- where statements run: on the loop while they cannot wait, on the thread when they would

# Statements of as many steps as asked (:n rows of a recursion SQLite's VM runs).
COUNT_ON_WHICH_THREAD = (
    "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < :n) "
    "SELECT count(*), thread() FROM c"
)
INSERT_MANY = (
    "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < :n) "
    "INSERT INTO t SELECT n FROM c"
)


async def thread_of(conn: AsyncConnection, sql: str, **params: object) -> tuple[Any, str]:
    """The statement's first value, and the thread that finished it (a function of ours
    called in the statement's last row names it)."""
    raw = await conn.get_raw_connection()
    await raw.driver_connection.create_function(
        "thread", 0, lambda: threading.current_thread().name
    )
    row = (await conn.execute(text(sql), params)).one()
    return row[0], row[-1]


async def test_a_short_statement_runs_on_the_loop_a_long_one_on_the_thread(
    engine: AsyncEngine,
) -> None:
    loop_thread = threading.current_thread().name
    async with engine.connect() as conn:
        found, where = await thread_of(conn, "SELECT 1, thread()")
        assert (found, where) == (1, loop_thread)
        many = STEP_BUDGET  # several steps each: far over the budget
        found, where = await thread_of(conn, COUNT_ON_WHICH_THREAD, n=many)
    assert found == many  # the whole answer, not the part before the interruption
    assert where.startswith(THREAD_NAME)


async def test_a_long_write_interrupted_on_the_loop_is_applied_once_on_the_thread(
    engine: AsyncEngine,
) -> None:
    rows = STEP_BUDGET // 4
    async with engine.begin() as conn:
        await conn.execute(text(INSERT_MANY), {"n": rows})
    threads: set[str] = set()

    def seen(n: int) -> int:
        threads.add(threading.current_thread().name)
        return n

    async with engine.begin() as conn:
        raw = await conn.get_raw_connection()
        await raw.driver_connection.create_function("seen", 1, seen)
        # It begins the transaction: interrupted on the loop, SQLite rolls it back whole.
        await conn.execute(text("INSERT INTO t SELECT seen(n) FROM t"))
        await conn.execute(text("INSERT INTO t VALUES (0)"))  # the same transaction goes on
    assert threading.current_thread().name in threads  # begun on the loop...
    assert any(name.startswith(THREAD_NAME) for name in threads)  # ...done on the thread
    async with engine.connect() as conn:
        count, total = (await conn.execute(text("SELECT count(*), sum(n) FROM t"))).one()
    assert (count, total) == (2 * rows + 1, rows * (rows + 1))  # copied once, not twice


async def test_a_write_meeting_another_processes_lock_waits_on_the_thread_not_the_loop(
    engine: AsyncEngine, sqlite_url: str
) -> None:
    other = sqlite3.connect(
        str(make_url(sqlite_url).database), isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")  # another process's writer holds the file
    other.execute("INSERT INTO t VALUES (1)")
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def write() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (2)"))

    ticker = asyncio.create_task(ticking())
    writer = asyncio.create_task(write())
    try:
        await asyncio.sleep(0.5)
        assert not writer.done()  # waiting for the lock...
        assert ticks >= 20  # ...while the loop goes on (it would be 0 waiting on the loop)
        async with engine.connect() as reader:  # WAL: reads go on too
            assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
        await asyncio.to_thread(other.execute, "COMMIT")
        await asyncio.wait_for(writer, 10)
    finally:
        ticker.cancel()
        other.close()
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT n FROM t ORDER BY n"))).scalars().all() == [1, 2]


def wal_pages(sqlite_url: str) -> int:
    wal = Path(str(make_url(sqlite_url).database) + "-wal")
    return wal.stat().st_size // 4096 if wal.exists() else 0


@pytest.mark.parametrize("checkpoints", [True, False])
async def test_the_engine_checkpoints_the_wal_after_commits_never_the_committer(
    engine: AsyncEngine, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, checkpoints: bool
) -> None:
    """No connection checkpoints by itself (that would sync on the loop); the engine's
    checkpoint after commits keeps the WAL from growing (the control: without it, it does)."""
    monkeypatch.setattr(sqlite_async, "CHECKPOINT_EVERY", 0.0 if checkpoints else 1e9)
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA wal_autocheckpoint"))).scalar_one() == 0
    for _ in range(300):  # a page each at least
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (randomblob(3000))"))
    pages = wal_pages(sqlite_url)
    if checkpoints:
        assert pages < 50, f"the WAL grew to {pages} pages"
    else:
        assert pages >= 300, f"the WAL stayed at {pages} pages"
