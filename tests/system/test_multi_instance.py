"""Many identical instances over one store: migrations applied once per deploy, and sessions
that work (and end) the same on every instance."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import text

from tests.support.cli import ENV_WITHOUT_WXSESSION, run_cli, serving
from tests.support.instances import emulator_env, wx_code
from wxsession.db import create_engine
from wxsession.migrate import head_revision

UPGRADERS = 4


def scalar(url: str, query: str) -> object:
    async def run() -> object:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                return (await connection.execute(text(query))).scalar()
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_parallel_db_upgrades_all_succeed_with_one_schema(
    postgres_url: str, tmp_path: Path
) -> None:
    env = {**ENV_WITHOUT_WXSESSION, "WXSESSION_DATABASE_URL": postgres_url}
    upgraders = [
        subprocess.Popen(
            [sys.executable, "-m", "wxsession.cli", "db", "upgrade"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(UPGRADERS)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in upgraders]
    assert [process.returncode for process in upgraders] == [0] * UPGRADERS, outputs
    for output in outputs:
        assert f"database is at revision {head_revision()}" in output
    assert scalar(postgres_url, "SELECT count(*) FROM alembic_version") == 1
    assert scalar(postgres_url, "SELECT version_num FROM alembic_version") == head_revision()
    users_tables = "SELECT count(*) FROM pg_tables WHERE tablename = 'users'"
    assert scalar(postgres_url, users_tables) == 1


def test_login_on_one_instance_use_and_revoke_on_another(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    """Two `wxsession serve` processes, deployed as docs/deployment.md says: one `db upgrade`,
    then instances with auto-migration off, sharing PostgreSQL and Redis."""
    store = {"WXSESSION_DATABASE_URL": postgres_url, "WXSESSION_SESSION_STORE": redis_url}
    upgrade = run_cli("db", "upgrade", cwd=tmp_path, **store)
    assert upgrade.returncode == 0, upgrade.stderr
    with emulator_env() as wechat:
        env = {**store, **wechat, "WXSESSION_AUTO_MIGRATE": "false"}
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        with (
            serving(tmp_path / "a", **env) as (_, first),
            serving(tmp_path / "b", **env) as (_, second),
        ):
            token, other = (login(first, wechat, "alice") for _ in range(2))

            def me(client: httpx.Client, session: str) -> int:
                headers = {"Authorization": f"Bearer {session}"}
                return client.get("/v1/me", headers=headers).status_code

            assert me(second, token) == 200 and me(first, token) == 200
            headers = {"Authorization": f"Bearer {token}"}
            assert second.post("/v1/auth/logout", headers=headers).status_code == 204
            assert me(first, token) == 401 and me(second, token) == 401
            assert me(first, other) == 200  # only that session ended

            headers = {"Authorization": f"Bearer {other}"}
            assert first.post("/v1/auth/logout-all", headers=headers).status_code == 204
            assert me(second, other) == 401 and me(first, other) == 401


def login(client: httpx.Client, wechat: dict[str, str], user: str) -> str:
    response = client.post("/v1/auth/wechat/login", json={"code": wx_code(wechat, user)})
    assert response.status_code == 200, response.text
    token: str = response.json()["session_id"]
    return token
