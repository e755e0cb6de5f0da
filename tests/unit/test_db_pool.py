"""The PostgreSQL engine the settings describe: its pool, and a statement time limit that
turns a hung database into an error instead of a hung request."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import text

from wxsession.db import engine_for
from wxsession.settings import Settings


async def test_pool_size_and_overflow_come_from_the_settings(postgres_url: str) -> None:
    engine = engine_for(
        Settings(database_url=postgres_url, db_pool_size=3, db_max_overflow=1, db_pool_timeout=2)
    )
    try:
        pool = engine.pool
        assert (pool.size(), pool._max_overflow, pool._timeout) == (3, 1, 2)  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


async def test_a_statement_over_the_command_timeout_is_cancelled(postgres_url: str) -> None:
    engine = engine_for(Settings(database_url=postgres_url, db_command_timeout=0.5))
    try:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT pg_sleep(5)"))
        assert time.monotonic() - started < 4
        async with engine.connect() as connection:  # the pool is still usable
            assert (await connection.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()


async def test_migrations_have_no_statement_limit(postgres_url: str) -> None:
    engine = engine_for(
        Settings(database_url=postgres_url, db_command_timeout=0.5), migrations=True
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT pg_sleep(1)"))
    finally:
        await engine.dispose()


async def test_a_connection_the_server_hung_up_on_is_replaced_at_checkout(
    postgres_url: str,
) -> None:
    """After a database restart every pooled connection is dead; the next request must get a
    live one, not an error (without a ping's round trips on every checkout)."""
    engine = engine_for(Settings(database_url=postgres_url, db_pool_size=1, db_max_overflow=0))
    killer = engine_for(Settings(database_url=postgres_url))
    try:
        async with engine.connect() as connection:
            pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar()
            pooled = (await connection.get_raw_connection()).driver_connection
        async with killer.connect() as connection:  # the server ends the pooled connection
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        deadline = time.monotonic() + 5
        while not pooled.is_closed():
            assert time.monotonic() < deadline, "asyncpg never saw the connection close"
            await asyncio.sleep(0.05)

        async with engine.connect() as connection:
            new_pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar()
        assert new_pid != pid
    finally:
        await engine.dispose()
        await killer.dispose()
