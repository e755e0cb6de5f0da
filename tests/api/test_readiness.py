"""/healthz is liveness; /readyz says whether this instance can serve logins, and why not."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from devtools.servers import RedisProcess
from tests.support.emulator import running_emulator
from tests.support.service import APPID, SECRET, Service
from wxsession import migrate
from wxsession.db import create_engine
from wxsession.server.app import create_app
from wxsession.server.background import serve_in_thread
from wxsession.settings import Settings


def test_ready_on_every_backend(service: Service) -> None:
    assert service.http.get("/healthz").json() == {"status": "ok"}
    ready = service.http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "checks": {"store": "ok", "database": "ok", "migrations": "ok"},
    }
    assert ready.headers["cache-control"] == "no-store"


def test_store_down_is_not_ready_but_alive(make_service: Any, own_redis: RedisProcess) -> None:
    service: Service = make_service(session_store=own_redis.url)
    token = service.session_for("ana")
    own_redis.stop()

    ready = service.http.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"store": "unavailable", "database": "ok", "migrations": "ok"}
    assert own_redis.url.split("//")[1] not in ready.text  # names the check, not the server
    assert service.http.get("/healthz").status_code == 200

    assert service.get("/v1/me", token).status_code == 503
    metrics = service.http.get("/metrics").text
    assert 'wxsession_store_errors_total{store="session"} 1.0' in metrics
    assert 'wxsession_session_validations_total{result="SESSION_STORE_UNAVAILABLE"} 1.0' in metrics


def test_pending_migrations_are_not_ready_until_upgraded(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    with running_emulator({APPID: SECRET}) as (emulator_url, _):
        settings = Settings(
            appid=APPID,
            secret=SECRET,
            wechat_api_base=emulator_url,
            database_url=database_url,
            auto_migrate=False,
        )
        with serve_in_thread(create_app(settings)) as url, httpx.Client(base_url=url) as http:
            before = http.get("/readyz")
            assert before.status_code == 503
            assert before.json()["checks"]["migrations"] == "pending"
            assert before.json()["checks"]["database"] == "ok"

            async def upgrade() -> None:
                engine = create_engine(database_url)
                try:
                    await migrate.upgrade(engine)
                finally:
                    await engine.dispose()

            asyncio.run(upgrade())
            after = http.get("/readyz")
            assert after.status_code == 200, after.text


def _database_read_only(service: Service, read_only: bool) -> None:
    """Make the service's PostgreSQL database refuse (or take) writes in every new session,
    and end the sessions it has open so its pool reconnects under the new setting."""

    async def run() -> None:
        engine = create_engine(service.settings.database_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("SET TRANSACTION READ WRITE"))
                name = (await connection.execute(text("SELECT current_database()"))).scalar()
                setting = "on" if read_only else "off"
                await connection.execute(
                    text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = {setting}')
                )
                await connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
        finally:
            await engine.dispose()

    asyncio.run(run())


def _settled_readiness(service: Service) -> httpx.Response:
    """/readyz once the pool has replaced the connections the database ended (a probe that
    drew one of them says ``unavailable``; bounded, not a timing assertion)."""
    for _ in range(20):
        ready = service.http.get("/readyz")
        if ready.json()["checks"].get("database") != "unavailable":
            return ready
        time.sleep(0.1)
    return ready


@pytest.mark.parametrize("backend", ["redis+postgres"], indirect=True)
def test_a_database_that_refuses_writes_is_not_ready(service: Service) -> None:
    """Reads still work (the migration check passes) but a login could not be stored: the
    instance is out of rotation, and the verdict says why (issue 19, point 13)."""
    assert service.http.get("/readyz").status_code == 200
    _database_read_only(service, True)
    ready = _settled_readiness(service)
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "checks": {"store": "ok", "database": "read_only", "migrations": "ok"},
    }
    _database_read_only(service, False)
    assert _settled_readiness(service).status_code == 200
