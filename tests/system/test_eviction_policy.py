"""A Redis that may evict keys is refused at start, with a message naming the fix."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from devtools.servers import RedisProcess
from tests.support.cli import run_cli
from tests.support.topologies import ClusterTopology
from wxsession.core.errors import ConfigurationError
from wxsession.db import create_engine
from wxsession.sessions.factory import open_store
from wxsession.sessions.redis import RedisSessionStore


@pytest.fixture
def lru_redis() -> Iterator[RedisProcess]:
    server = RedisProcess(extra=("--maxmemory-policy", "allkeys-lru"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def open_and_close(url: str, sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        store = await open_store(url, engine)
        await store.close()
    finally:
        await engine.dispose()


def test_serve_refuses_an_evicting_redis(lru_redis: RedisProcess, tmp_path: Path) -> None:
    result = run_cli(
        "serve",
        cwd=tmp_path,
        WXSESSION_DEV_MODE="true",  # past the dev-mode check, on to the store's
        WXSESSION_SESSION_STORE=lru_redis.url,
        WXSESSION_PORT="1",  # never reached: start-up stops before binding
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "WXSESSION_SESSION_STORE" in output
    assert "maxmemory-policy allkeys-lru" in output
    assert "noeviction" in output


async def test_open_store_refuses_an_evicting_redis(
    lru_redis: RedisProcess, sqlite_url: str
) -> None:
    with pytest.raises(ConfigurationError, match="maxmemory-policy allkeys-lru"):
        await open_and_close(lru_redis.url, sqlite_url)


async def test_without_config_the_policy_is_read_from_info(sqlite_url: str) -> None:
    server = RedisProcess(
        extra=("--maxmemory-policy", "volatile-ttl", "--rename-command", "CONFIG", "")
    )
    server.start()
    try:
        client = redis.Redis.from_url(server.url)
        with pytest.raises(redis.ResponseError):
            client.config_get("maxmemory-policy")  # CONFIG really is gone
        client.close()
        with pytest.raises(ConfigurationError, match="maxmemory-policy volatile-ttl"):
            await open_and_close(server.url, sqlite_url)
    finally:
        server.stop()


async def test_noeviction_is_accepted(redis_url: str, sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        store = await open_store(redis_url, engine)
        assert isinstance(store, RedisSessionStore)
        await store.close()
    finally:
        await engine.dispose()


async def test_every_cluster_master_is_checked(
    redis_cluster: ClusterTopology, sqlite_url: str
) -> None:
    last = redis.Redis(port=redis_cluster.nodes[-1].port)
    last.config_set("maxmemory-policy", "allkeys-random")
    try:
        await open_and_close(redis_cluster.url, sqlite_url)  # not raised: a miss
    except ConfigurationError as exc:
        assert "allkeys-random" in str(exc)
        assert f"127.0.0.1:{redis_cluster.nodes[-1].port}" in str(exc)
    else:
        pytest.fail("a cluster with one evicting master was accepted")
    finally:
        last.config_set("maxmemory-policy", "noeviction")
        last.close()
    await open_and_close(redis_cluster.url, sqlite_url)
