"""Plugin (tests/conftest.py): real stores for the whole suite.

Real servers
    ``redis_server`` and ``postgres_server`` start once per test session, and only when a
    test asks for them (directly or through the ``*_url`` fixtures). ``REDIS_URL`` and
    ``DATABASE_URL`` (a ``postgresql+asyncpg://`` URL) point them at external servers
    instead. A server that cannot start is an error, never a skip.

``own_redis`` is a private Redis for one test, which may stop and restart it.
``redis_cluster`` is a 3-master Redis Cluster (``tests/support/topologies.py``), started once;
``sentinel_topology`` a Sentinel set-up, once per module.

Per-test URLs
    ``redis_url``: the Redis URL, its database emptied (FLUSHDB) before the test, so a test
    may count keys. With ``REDIS_URL`` set, that database is flushed: do not point it at
    data you want to keep.
    ``redis_cluster_url``: the cluster's URL, every master flushed before the test.
    ``postgres_url``: a new, empty PostgreSQL database for this test, dropped afterwards.
    ``sqlite_url``: a SQLite file under the test's ``tmp_path``.
    ``sqlite_engine``: an engine on that file, migrated to the head, disposed afterwards.
    ``sql_engine``: the same on SQLite, then on a PostgreSQL database (parametrized).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Protocol, TypeVar

import pytest
import redis
from sqlalchemy.ext.asyncio import AsyncEngine

from devtools.servers import PostgresProcess, RedisProcess
from tests.support.topologies import ClusterTopology, SentinelTopology
from wxsession import migrate
from wxsession.db import create_engine

# --- real servers (session scope) ---------------------------------------------------------


class _Server(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


S = TypeVar("S", bound=_Server)


def _running(server: S) -> Iterator[S]:
    """``server`` started for the fixture's scope, and stopped after it; stopped as well when
    it fails to start, so a half-started one leaves no process or temp dir behind."""
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisProcess]:
    yield from _running(RedisProcess.from_env())


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresProcess]:
    yield from _running(PostgresProcess.from_env())


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[ClusterTopology]:
    """A 3-master Redis Cluster on loopback (about 2 s to form), for the whole session."""
    yield from _running(ClusterTopology())


@pytest.fixture(scope="module")
def sentinel_topology() -> Iterator[SentinelTopology]:
    """1 master, 1 replica, 3 sentinels (about 8 s to settle); the test may fail it over."""
    yield from _running(SentinelTopology())


@pytest.fixture
def persistent_redis() -> Iterator[RedisProcess]:
    """A Redis of the test's own that saves to disk, so a crash and restart keeps its data."""
    yield from _running(RedisProcess(persist=True))


@pytest.fixture
def own_redis() -> Iterator[RedisProcess]:
    """A Redis of the test's own, for tests that stop, pause or restart it."""
    yield from _running(RedisProcess())


# --- per-test database URLs ---------------------------------------------------------------


@pytest.fixture
def redis_url(redis_server: RedisProcess) -> str:
    client = redis.Redis.from_url(redis_server.url, socket_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()
    return redis_server.url


@pytest.fixture
def redis_cluster_url(redis_cluster: ClusterTopology) -> str:
    """The cluster's ``redis+cluster://`` URL, every master emptied before the test."""
    redis_cluster.flush()
    return redis_cluster.url


@pytest.fixture
def postgres_url(postgres_server: PostgresProcess) -> Iterator[str]:
    name = f"wxs_test_{uuid.uuid4().hex[:16]}"
    url = postgres_server.create_database(name)
    yield url
    postgres_server.drop_database(name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'wxsession.db'}"


@pytest.fixture
async def sqlite_engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    async with _migrated(sqlite_url) as engine:
        yield engine


@pytest.fixture(params=["sqlite", "postgres"])
async def sql_engine(request: pytest.FixtureRequest) -> AsyncIterator[AsyncEngine]:
    url: str = request.getfixturevalue(f"{request.param}_url")
    async with _migrated(url) as engine:
        yield engine


@asynccontextmanager
async def _migrated(url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        yield engine
    finally:
        await engine.dispose()
