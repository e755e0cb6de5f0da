"""The login flow over HTTP with sessions on a 3-master Redis Cluster and users in PostgreSQL:
the production topology for many instances (docs/deployment.md). The tests are
``test_flow``'s own (and a password login with its brute-force throttle, whose counters share
the cluster), run again here with another ``backend``; and the hot-session cache on it, over
two instances."""

from __future__ import annotations

import httpx
import pytest
import redis

from tests.api.test_flow import (  # noqa: F401 - collected again, on the cluster
    test_code_works_once,
    test_parallel_first_logins_create_one_user,
    test_relogin_while_presenting_a_session_ends_it,
    test_same_person_gets_same_user_and_a_new_token_each_login,
    test_whole_flow,
)
from tests.api.test_password_accounts import (  # noqa: F401
    test_v2_1_register_and_log_in_by_normalised_username_or_phone,
)
from tests.api.test_throttling import (  # noqa: F401
    test_v2_2_1_ten_failures_per_account_and_ip_then_429_before_any_hashing,
)
from tests.support.instances import emulator_env, in_thread_servers, wx_code
from tests.support.topologies import ClusterTopology
from wxsession.core.tokens import split_key, storage_key


@pytest.fixture
def backend(redis_cluster_url: str, postgres_url: str) -> dict[str, str]:
    return {"database_url": postgres_url, "session_store": redis_cluster_url}


def test_two_instances_cache_sessions_and_refuse_a_revoked_one_at_once(
    backend: dict[str, str], redis_cluster: ClusterTopology
) -> None:
    """The hot-session cache is on with a cluster: a session whose record is deleted behind
    wxsession's back is still served from memory, and one logged out on one instance is
    refused by the other on its very next request (sharded pub/sub, tests/unit/sessions)."""
    with (
        emulator_env() as env,
        in_thread_servers(2, env, **backend) as (one, two),
        httpx.Client(base_url=one, timeout=10) as first,
        httpx.Client(base_url=two, timeout=10) as second,
    ):

        def login(user: str) -> str:
            response = first.post("/v1/auth/wechat/login", json={"code": wx_code(env, user)})
            assert response.status_code == 200, response.text
            token: str = response.json()["session_id"]
            return token

        def me(client: httpx.Client, token: str) -> int:
            return client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code

        kept, revoked = login("kept"), login("revoked")
        for client in (first, second):
            assert me(client, kept) == 200 and me(client, revoked) == 200  # cached
        place = split_key(storage_key(kept))
        assert place is not None
        cluster = redis.RedisCluster(
            host="127.0.0.1", port=redis_cluster.nodes[0].port, socket_timeout=5
        )
        try:
            assert cluster.hdel(f"wxs:h:{place[0]}", place[1]) == 1  # no announcement
        finally:
            cluster.close()
        assert me(second, kept) == 200  # answered from memory: the cache is on

        headers = {"Authorization": f"Bearer {revoked}"}
        assert first.post("/v1/auth/logout", headers=headers).status_code == 204
        assert me(second, revoked) == 401 and me(first, revoked) == 401
