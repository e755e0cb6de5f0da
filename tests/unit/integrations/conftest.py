"""Fixtures for the framework integrations: a real wxsession service issuing sessions into
real Redis (and a SQLite user database) that the user's app, in its own framework, shares.

``make_service`` / ``service`` are the suite's (tests/support/service.py); only ``backend``
differs: one backend here (Redis sessions + SQLite users), since the integrations are what is
tested.
"""

from __future__ import annotations

from typing import Any

import pytest

from devtools.servers import RedisProcess
from tests.support.service import Service


@pytest.fixture
def backend(redis_url: str, sqlite_url: str) -> dict[str, str]:
    return {"database_url": sqlite_url, "session_store": redis_url}


@pytest.fixture
def down_service(make_service: Any, own_redis: RedisProcess) -> tuple[Service, RedisProcess]:
    """A service whose session store is ``own_redis``, for tests that then stop it."""
    started: Service = make_service(session_store=own_redis.url)
    return started, own_redis
