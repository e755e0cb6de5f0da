"""The hot-session cache on a real 3-master Redis Cluster: on, announcing with sharded pub/sub
on the master owning the channel's slot, following that slot when it moves, and emptied by
any gap in its subscription. Two managers stand for two instances."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager

import pytest
import redis

from tests.support.records import ALICE, BOB
from tests.support.topologies import ClusterTopology
from tests.unit.sessions.test_cache import IDENTITY, cache_of, instance, until
from wxsession.core import tokens
from wxsession.core.errors import SessionInvalid
from wxsession.sessions.invalidation import InvalidationFeed
from wxsession.sessions.manager import SessionManager
from wxsession.sessions.redis import RedisSessionStore

CHANNEL = "wxs:invalidate"


@contextmanager
def cluster_client(topology: ClusterTopology) -> Iterator[redis.RedisCluster]:
    first = topology.nodes[0]
    client = redis.RedisCluster(host="127.0.0.1", port=first.port, socket_timeout=5)
    try:
        yield client
    finally:
        client.close()


def raw_delete(topology: ClusterTopology, manager: SessionManager, key: str) -> None:
    """Delete a record behind wxsession's back: no announcement."""
    store = manager.store
    assert isinstance(store, RedisSessionStore)
    place = tokens.split_key(key)
    assert place is not None
    with cluster_client(topology) as client:
        assert client.hdel(store.user_key(place[0]), place[1]) == 1


def feed_of(manager: SessionManager) -> InvalidationFeed:
    feed = cache_of(manager).trusted.__self__  # type: ignore[attr-defined]
    assert isinstance(feed, InvalidationFeed)
    return feed


def move_slot(topology: ClusterTopology, key: str) -> tuple[int, int]:
    """Move ``key``'s slot (holding no keys) to another master, as a resharding tool would.
    Returns the ports of the old and the new owner."""
    with cluster_client(topology) as client:
        slot = client.keyslot(key)
        owner = client.get_node_from_key(key)
        assert owner is not None
        ids: dict[int, str] = {}
        for node in topology.nodes:
            raw = redis.Redis(host="127.0.0.1", port=node.port, socket_timeout=5)
            try:
                ids[node.port] = raw.execute_command("CLUSTER MYID").decode()
            finally:
                raw.close()
    old = int(owner.port)
    new = next(port for port in ids if port != old)
    raws = {port: redis.Redis(host="127.0.0.1", port=port, socket_timeout=5) for port in ids}
    try:
        assert raws[old].execute_command("CLUSTER COUNTKEYSINSLOT", slot) == 0
        raws[new].execute_command("CLUSTER SETSLOT", slot, "IMPORTING", ids[old])
        raws[old].execute_command("CLUSTER SETSLOT", slot, "MIGRATING", ids[new])
        for port in (new, old, *(p for p in ids if p not in (old, new))):
            raws[port].execute_command("CLUSTER SETSLOT", slot, "NODE", ids[new])
    finally:
        for raw in raws.values():
            raw.close()
    return old, new


async def test_the_cache_is_on_and_a_revocation_reaches_the_other_instance(
    redis_cluster_url: str, redis_cluster: ClusterTopology
) -> None:
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(instance(redis_cluster_url))
        b = await stack.enter_async_context(instance(redis_cluster_url))
        await until(lambda: cache_of(a).trusted() and cache_of(b).trusted())
        with cluster_client(redis_cluster) as client:  # one link, on the slot's owner
            owner = client.get_node_from_key(CHANNEL)
        assert owner is not None
        assert list(feed_of(b).links) == [f"redis://127.0.0.1:{owner.port}/0"]

        first = await a.create(IDENTITY, ALICE)
        second = await a.create(IDENTITY, BOB)
        for issued in (first, second):
            await b.resolve(issued.token)  # warms b's cache
        # b answers from memory: a record deleted without an announcement still resolves
        raw_delete(redis_cluster, b, (await b.resolve(second.token)).key)
        assert (await b.resolve(second.token)).record.user_id == BOB

        seen = cache_of(b).generation
        await a.end(await a.resolve(first.token))
        await until(lambda: cache_of(b).generation > seen)
        with pytest.raises(SessionInvalid):
            await b.resolve(first.token)


async def test_the_subscription_follows_the_channels_slot_to_its_new_master(
    redis_cluster_url: str, redis_cluster: ClusterTopology
) -> None:
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(instance(redis_cluster_url))
        b = await stack.enter_async_context(instance(redis_cluster_url))
        await until(lambda: cache_of(b).trusted())
        issued = await a.create(IDENTITY, ALICE)
        digest = tokens.digest(issued.token)
        await b.resolve(issued.token)
        assert cache_of(b).get(digest) is not None

        _, new = move_slot(redis_cluster, CHANNEL)
        # the old owner unsubscribes b's link: the cache is emptied, then trusted again on
        # the new owner
        await until(lambda: list(feed_of(b).links) == [f"redis://127.0.0.1:{new}/0"])
        await until(cache_of(b).trusted)
        assert cache_of(b).get(digest) is None

        await b.resolve(issued.token)  # cached again, then revoked on a: refused on b
        assert cache_of(b).get(digest) is not None
        seen = cache_of(b).generation
        await a.end(await a.resolve(issued.token))
        await until(lambda: cache_of(b).generation > seen)
        with pytest.raises(SessionInvalid):
            await b.resolve(issued.token)


async def test_a_killed_subscription_empties_the_cache(
    redis_cluster_url: str, redis_cluster: ClusterTopology
) -> None:
    async with instance(redis_cluster_url) as manager:
        cache = cache_of(manager)
        await until(cache.trusted)
        issued = await manager.create(IDENTITY, ALICE)
        key = (await manager.resolve(issued.token)).key
        digest = tokens.digest(issued.token)
        assert cache.get(digest) is not None

        killed = 0
        for node in redis_cluster.nodes:
            admin = redis.Redis(host="127.0.0.1", port=node.port, socket_timeout=5)
            try:
                killed += admin.client_kill_filter(_type="pubsub")
            finally:
                admin.close()
        assert killed >= 1
        await until(lambda: not cache.trusted())
        raw_delete(redis_cluster, manager, key)
        with pytest.raises(SessionInvalid):  # not served from the untrusted cache
            await manager.resolve(issued.token)
        await until(cache.trusted)  # resubscribed by itself
        assert cache.get(digest) is None  # and emptied: the gap may have hidden a revocation
