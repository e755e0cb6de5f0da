"""/healthz is liveness; /readyz says whether this instance can serve logins, and why not."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from tests.server.conftest import APPID, SECRET, Service
from tests.support.emulator import running_emulator
from tests.support.servers import RedisProcess
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
