"""A forced Sentinel failover under load: clients see 503s while the master changes and
nothing but 200s afterwards; a revoked session stays revoked across the switch, even one
whose delete the promoted replica never got (asynchronous replication). Two more instances
cache hot sessions through it: a session revoked right after the switch is refused by every
instance, and the cache, subscribed on master and replica alike, stays on."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
import redis
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.support.instances import emulator_env, in_thread_servers, wx_code
from tests.support.records import ALICE
from tests.support.topologies import MASTER_SETTLE, SentinelTopology
from tests.unit.sessions.test_cache import IDENTITY, cache_of, instance, until
from wxsession.core import tokens
from wxsession.core.tokens import split_key, storage_key
from wxsession.redis_topology import ChannelNodes, FreshMasterPool, MasterOnlyConnection, connect

WORKERS = 4
PAUSE = 0.02  # seconds between one worker's requests: a bounded load, about 150 req/s


class Load:
    """Workers calling /v1/me round-robin over servers and tokens, logging every outcome."""

    def __init__(self, urls: list[str], tokens: list[str]) -> None:
        self.urls = urls
        self.tokens = tokens
        self.outcomes: list[tuple[float, int | str]] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._work, args=(n,)) for n in range(WORKERS)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _work(self, number: int) -> None:
        clients = [httpx.Client(base_url=url, timeout=10) for url in self.urls]
        step = number
        try:
            while not self._stop.is_set():
                step += 1
                token = self.tokens[step % len(self.tokens)]
                client = clients[step % len(clients)]
                outcome: int | str
                try:
                    outcome = client.get(
                        "/v1/me", headers={"Authorization": f"Bearer {token}"}
                    ).status_code
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                self.outcomes.append((time.monotonic(), outcome))
                time.sleep(PAUSE)
        finally:
            for client in clients:
                client.close()

    def between(self, start: float, end: float) -> list[int | str]:
        return [outcome for at, outcome in list(self.outcomes) if start <= at < end]


def replicate(topology: SentinelTopology) -> None:
    """Wait until the replica has every write so far (a failover then loses none of them)."""
    client = redis.Redis(host="127.0.0.1", port=topology.master_port(), socket_timeout=5)
    try:
        assert client.execute_command("WAIT", 1, 5000) == 1
    finally:
        client.close()


async def test_the_subscriber_listens_on_the_master_and_every_replica(
    sentinel_topology: SentinelTopology,
) -> None:
    nodes = ChannelNodes(sentinel_topology.url, "wxs:invalidate")
    try:
        found = await nodes.find()
    finally:
        await nodes.aclose()
    master = sentinel_topology.master_port()
    replica = next(
        process.port
        for process in (sentinel_topology.master, sentinel_topology.replica)
        if process.port != master
    )
    assert found == (f"redis://127.0.0.1:{master}/0", f"redis://127.0.0.1:{replica}/0")
    roles = []
    for url in found:
        client = redis.Redis.from_url(url)
        try:
            roles.append(client.execute_command("ROLE")[0])
        finally:
            client.close()
    assert roles == [b"master", b"slave"]


async def test_a_gap_on_any_link_empties_the_cache(sentinel_topology: SentinelTopology) -> None:
    """Killing the subscription on the replica alone (the master's link lives on) bypasses
    the cache and empties it: that server may be the master the next moment."""
    async with instance(sentinel_topology.url) as manager:
        cache = cache_of(manager)
        await until(cache.trusted)
        issued = await manager.create(IDENTITY, ALICE)
        await manager.resolve(issued.token)
        digest = tokens.digest(issued.token)
        assert cache.get(digest) is not None
        replica = next(
            process.port
            for process in (sentinel_topology.master, sentinel_topology.replica)
            if process.port != sentinel_topology.master_port()
        )
        admin = redis.Redis(host="127.0.0.1", port=replica, socket_timeout=5)
        try:
            ours = [c for c in admin.client_list(_type="pubsub") if not c["name"]]  # not sentinels'
            assert len(ours) == 1
            assert admin.client_kill_filter(_id=ours[0]["id"]) == 1
        finally:
            admin.close()
        await until(lambda: not cache.trusted())
        await until(cache.trusted)  # resubscribed by itself
        assert cache.get(digest) is None  # and emptied
        await manager.end(await manager.resolve(issued.token))


async def test_a_server_that_is_not_the_master_is_refused(
    sentinel_topology: SentinelTopology,
) -> None:
    """As if a sentinel still named a demoted master: the connection refuses the replica."""
    replica = next(
        process.port
        for process in (sentinel_topology.master, sentinel_topology.replica)
        if process.port != sentinel_topology.master_port()
    )
    client = connect(sentinel_topology.url)
    pool = client.connection_pool
    assert isinstance(pool, FreshMasterPool)
    connection = pool.make_connection()
    assert isinstance(connection, MasterOnlyConnection)
    with pytest.raises(RedisConnectionError, match="is a slave, not the master"):
        await connection.connect_to(("127.0.0.1", replica))
    await connection.connect_to(("127.0.0.1", sentinel_topology.master_port()))
    await connection.disconnect()
    await client.aclose()


def test_forced_failover_under_load(sentinel_topology: SentinelTopology, tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'wxsession.db'}"
    settings = {"session_store": sentinel_topology.url, "database_url": database}
    with (
        emulator_env() as env,
        in_thread_servers(2, env, session_touch_interval=0, **settings) as (one, two),
        in_thread_servers(2, env, **settings) as cached,  # renewals due rarely: hits cached
        httpx.Client(base_url=one, timeout=10) as first,
        httpx.Client(base_url=two, timeout=10) as second,
    ):
        caching = [httpx.Client(base_url=url, timeout=10) for url in cached]
        everyone = [first, second, *caching]

        def login(user: str) -> str:
            response = first.post("/v1/auth/wechat/login", json={"code": wx_code(env, user)})
            assert response.status_code == 200, response.text
            token: str = response.json()["session_id"]
            return token

        def me(client: httpx.Client, token: str) -> int:
            return client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code

        def logout(client: httpx.Client, token: str) -> int:
            headers = {"Authorization": f"Bearer {token}"}
            return client.post("/v1/auth/logout", headers=headers).status_code

        def field_of(token: str) -> tuple[str, bytes]:
            place = split_key(storage_key(token))
            assert place is not None  # a registered session: a field of its user's hash
            return f"wxs:h:{place[0]}", place[1]

        def refused(client: httpx.Client, token: str) -> None:
            """Never 200; 401 once the store answers (503 while the master moves)."""
            deadline = time.monotonic() + 10
            while (status := me(client, token)) == 503 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert status == 401

        tokens = [login(f"user{n}") for n in range(6)]
        right_after, kept = login("right-after"), login("kept")
        for client in caching:  # cached on both caching instances before the switch
            assert me(client, right_after) == 200 and me(client, kept) == 200
        revoked_before = login("leaver")
        assert logout(second, revoked_before) == 204
        lost = login("lost")  # ended alone before the switch; its DEL is lost in it
        master = redis.Redis(host="127.0.0.1", port=sentinel_topology.master_port())
        try:
            lost_record = master.hget(*field_of(lost))
        finally:
            master.close()
        assert lost_record is not None
        assert logout(first, lost) == 204
        replicate(sentinel_topology)

        with Load([one, two], tokens) as load:
            time.sleep(1.0)
            switch_started = time.monotonic()
            new_master = sentinel_topology.failover()
            switch_ended = time.monotonic() + MASTER_SETTLE
            # Revoked right after the switch (the publishers may still be on the old master,
            # which answers as one): refused by every instance, the caching ones included.
            deadline = time.monotonic() + 10
            headers = {"Authorization": f"Bearer {right_after}"}
            while (ended := first.post("/v1/auth/logout", headers=headers)).status_code == 503:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            assert ended.status_code == 204
            for client in everyone:
                refused(client, right_after)
            time.sleep(max(0.0, switch_ended + 2.0 - time.monotonic()))
            finished = time.monotonic()

        before = load.between(0, switch_started)
        during = load.between(switch_started, switch_ended)
        after = load.between(switch_ended, finished)
        assert before and set(before) == {200}
        assert set(during) <= {200, 503}, sorted(set(map(str, during)))
        assert after and set(after) == {200}, sorted(set(map(str, after)))

        # Revoked before the switch: still refused on both servers after it.
        assert me(first, revoked_before) == 401 and me(second, revoked_before) == 401
        # The promoted replica holds a record whose DEL it never got (as replication is
        # asynchronous, a DEL acknowledged by the old master can be lost in a failover): the
        # logout was recorded in SQL first, so the session stays refused, and is deleted.
        promoted = redis.Redis(host="127.0.0.1", port=new_master, socket_timeout=5)
        try:
            promoted.hset(*field_of(lost), lost_record)
            assert me(second, lost) == 401 and me(first, lost) == 401
            assert not promoted.hexists(*field_of(lost))
        finally:
            promoted.close()
        # The cache is on after the switch: once cached again, a record deleted behind
        # wxsession's back on the new master is still served from memory.
        assert [me(client, kept) for client in caching] == [200, 200]
        promoted = redis.Redis(host="127.0.0.1", port=new_master, socket_timeout=5)
        try:
            assert promoted.hdel(*field_of(kept)) == 1
        finally:
            promoted.close()
        assert [me(client, kept) for client in caching] == [200, 200]
        # Revoked after it, on one server: refused on every instance at once.
        token = tokens[0]
        for client in everyone:
            assert me(client, token) == 200
        assert logout(second, token) == 204
        assert [me(client, token) for client in everyone] == [401] * 4
        # A login after the switch works; both writes went to the new master, not to the old
        # one (which answers as a master until demoted, and then drops what it took).
        newcomer = login("newcomer")
        assert me(second, newcomer) == 200
        raw = redis.Redis(host="127.0.0.1", port=new_master, socket_timeout=5)
        try:
            for session, there in ((newcomer, True), (token, False)):
                assert raw.hexists(*field_of(session)) is there
        finally:
            raw.close()
        for client in caching:
            client.close()
