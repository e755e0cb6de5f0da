"""The login flow over HTTP with sessions on a 3-master Redis Cluster and users in PostgreSQL:
the production topology for many instances (docs/deployment.md). The tests are
``test_flow``'s own (and a password login with its brute-force throttle, whose counters share
the cluster), run again here with another ``backend``."""

from __future__ import annotations

import pytest

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


@pytest.fixture
def backend(redis_cluster_url: str, postgres_url: str) -> dict[str, str]:
    return {"database_url": postgres_url, "session_store": redis_cluster_url}
