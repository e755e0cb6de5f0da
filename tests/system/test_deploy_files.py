"""The deployment files (``Dockerfile``, ``compose.yaml``, ``deploy/``) hold what they say.

No Docker engine runs here, so no image is built and ``docker compose up`` never runs. What
can run does: each compose service's command starts as a local process with that service's
environment (a real Redis with the image's arguments and a fresh embedded PostgreSQL with its
user, password and database stand in for the two images; ``wxsession db upgrade`` then
``wxsession serve`` for the two wxsession services), ports and host names remapped to
loopback, and a login walks through them against the emulator. The Dockerfile's health check
command runs against that server. The systemd unit goes through ``systemd-analyze verify``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import yaml
from sqlalchemy import text
from sqlalchemy.engine import make_url

from devtools.servers import PostgresProcess, RedisProcess
from tests.support.cli import ENV_WITHOUT_WXSESSION, TEST_DATA_KEYS, run_cli, wait_until_up
from tests.support.emulator import running_emulator
from tests.support.paths import ROOT
from wxsession import migrate
from wxsession.db import create_engine
from wxsession.server.app import create_app
from wxsession.server.background import free_port
from wxsession.settings import Settings

APPID = "wx5e1f0c3a9b7d2e46"
SECRET = "compose-app-secret-4c5d6e7f"
POSTGRES_PASSWORD = "compose-pg-password-8a9b"
COMPOSE_ENV = {
    "WXSESSION_APPID": APPID,
    "WXSESSION_SECRET": SECRET,
    "WXSESSION_DATA_KEYS": TEST_DATA_KEYS,
    "POSTGRES_PASSWORD": POSTGRES_PASSWORD,
}
"""What an operator puts in compose's ``.env``."""

_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:[-?])(?P<arg>[^}]*))?\}")


# --- reading the files ------------------------------------------------------------------------


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}``."""

    def one(found: re.Match[str]) -> str:
        name, op, arg = found.group("name", "op", "arg")
        if env.get(name):
            return env[name]
        if op == ":?":
            raise KeyError(f"compose.yaml needs {name}: {arg}")
        return arg if op == ":-" else ""

    return _VARIABLE.sub(one, value)


def compose(env: Mapping[str, str] = COMPOSE_ENV) -> dict[str, Any]:
    """compose.yaml's services, with ``env`` interpolated into their environments."""
    services: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    for service in services.values():
        given = service.get("environment", {})
        service["environment"] = {k: interpolate(str(v), env) for k, v in given.items()}
    return services


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's instructions (keyword, arguments), one list per build stage."""
    joined = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    stages: list[list[tuple[str, str]]] = []
    for line in joined.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        keyword, _, arguments = line.strip().partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append((keyword.upper(), " ".join(arguments.split())))
    return stages


def healthcheck_command() -> list[str]:
    final = dockerfile_stages()[-1]
    [check] = [args for keyword, args in final if keyword == "HEALTHCHECK"]
    command: list[str] = json.loads(check.split(" CMD ", 1)[1])
    return command


# --- the Dockerfile ---------------------------------------------------------------------------


def test_the_image_serves_as_a_non_root_user_with_a_health_check_and_no_migration() -> None:
    stages = dockerfile_stages()
    final = stages[-1]
    keywords = [keyword for keyword, _ in final]
    base = final[0][1]
    assert re.fullmatch(r"python:3\.1[1-9]-slim", base), base
    users = [args for keyword, args in final if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), users
    assert keywords.index("USER") < keywords.index("ENTRYPOINT")
    entry = json.loads(dict(final)["ENTRYPOINT"]) + json.loads(dict(final)["CMD"])
    assert entry == ["wxsession", "serve"]
    assert "/healthz" in " ".join(healthcheck_command())
    # Migrations are their own step (compose's `migrate`), never part of the image's start.
    everything = " ".join(args for stage in stages for _, args in stage)
    assert "db upgrade" not in everything


def test_compose_migrates_once_before_serving_on_redis_and_postgres() -> None:
    services = compose()
    assert {"wxsession", "migrate", "redis", "postgres"} <= set(services)
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["environment"] == services["wxsession"]["environment"]
    assert services["wxsession"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }
    assert services["wxsession"]["environment"]["WXSESSION_AUTO_MIGRATE"] == "false"
    redis_args = services["redis"]["command"]
    pairs = dict(zip(redis_args[1::2], redis_args[2::2], strict=True))
    assert pairs["--maxmemory-policy"] == "noeviction"
    assert pairs["--appendonly"] == "yes"
    with pytest.raises(KeyError, match="WXSESSION_DATA_KEYS"):
        compose({k: v for k, v in COMPOSE_ENV.items() if k != "WXSESSION_DATA_KEYS"})


# --- compose's services as local processes ----------------------------------------------------


@pytest.fixture
def compose_postgres() -> Iterator[PostgresProcess]:
    """A fresh PostgreSQL set up as the image sets itself up from POSTGRES_* (its own
    server: the role and database names are the image's, fixed)."""
    server = PostgresProcess()
    server.start()
    try:
        env = compose()["postgres"]["environment"]
        server.create_role(env["POSTGRES_USER"], env["POSTGRES_PASSWORD"])
        server.create_database(env["POSTGRES_DB"], owner=env["POSTGRES_USER"])
        yield server
    finally:
        server.stop()


@pytest.fixture
def compose_redis() -> Iterator[RedisProcess]:
    """A Redis started with the arguments compose.yaml gives the image."""
    command = compose()["redis"]["command"]
    assert command[0] == "redis-server"
    server = RedisProcess(extra=tuple(command[1:]))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def local_env(
    service: Mapping[str, Any], redis_url: str, postgres: PostgresProcess, port: int
) -> dict[str, str]:
    """The service's compose environment, its hosts and port moved to this machine's."""
    env = dict(service["environment"])
    store = make_url(env["WXSESSION_SESSION_STORE"].replace("redis://", "postgresql://", 1))
    assert (store.host, store.port) == ("redis", 6379)  # the compose service's name
    env["WXSESSION_SESSION_STORE"] = redis_url
    database = make_url(env["WXSESSION_DATABASE_URL"])
    assert (database.host, database.port) == ("postgres", 5432)
    local = database.set(host=None, port=None, query={"host": str(postgres.socket_dir)})
    env["WXSESSION_DATABASE_URL"] = local.render_as_string(hide_password=False).replace("%2F", "/")
    assert env["WXSESSION_HOST"] == "0.0.0.0"  # noqa: S104 (in a container: all interfaces)
    env["WXSESSION_HOST"], env["WXSESSION_PORT"] = "127.0.0.1", str(port)
    return env


def test_compose_services_walk_a_login_as_local_processes(
    tmp_path: Path, compose_redis: RedisProcess, compose_postgres: PostgresProcess
) -> None:
    services = compose()
    settings = redis.Redis.from_url(compose_redis.url).config_get("*")
    assert settings["maxmemory-policy"] == "noeviction" and settings["appendonly"] == "yes"
    port = free_port()
    with running_emulator({APPID: SECRET}) as (emulator_url, _):
        upgraded = run_cli(
            *services["migrate"]["command"],
            cwd=tmp_path,
            **local_env(services["migrate"], compose_redis.url, compose_postgres, port),
        )
        assert upgraded.returncode == 0, upgraded.stderr
        assert f"database is at revision {migrate.head_revision()}" in upgraded.stdout

        env = local_env(services["wxsession"], compose_redis.url, compose_postgres, port)
        env["WXSESSION_WECHAT_API_BASE"] = emulator_url  # WeChat, played by the emulator
        with serve(tmp_path, services["wxsession"]["command"], env) as (server, http):
            ready = http.get("/readyz")  # AUTO_MIGRATE=false: the migrate step did it
            assert ready.status_code == 200, ready.text
            code = httpx.post(
                f"{emulator_url}/_emulator/login", json={"appid": APPID, "user": "alice"}
            ).json()["code"]
            login = http.post("/v1/auth/wechat/login", json={"code": code})
            assert login.status_code == 200, login.text
            token = login.json()["session_id"]
            me = http.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200 and me.json()["id"] == login.json()["user"]["id"]
            assert redis.Redis.from_url(compose_redis.url).dbsize() > 0  # the session
            assert count_users(env["WXSESSION_DATABASE_URL"]) == 1
            health = run_healthcheck(port)
            assert health.returncode == 0, health.stderr
            server.terminate()
            assert server.wait(timeout=30) == 0  # SIGTERM: a clean stop
        assert run_healthcheck(port).returncode != 0  # and the check sees it gone


@contextmanager
def serve(
    tmp_path: Path, command: list[str], env: Mapping[str, str]
) -> Iterator[tuple[subprocess.Popen[str], httpx.Client]]:
    """compose's ``wxsession`` command as a process with ``env`` (the image's entry point is
    ``wxsession``), answering /healthz, killed at the end if still running."""
    server = subprocess.Popen(
        [sys.executable, "-m", "wxsession.cli", *command],
        cwd=tmp_path,
        env={**ENV_WITHOUT_WXSESSION, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{env['WXSESSION_PORT']}"
        with httpx.Client(base_url=base, timeout=10) as http:
            wait_until_up(server, http, "wxsession serve (compose)")
            yield server, http
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(timeout=10)


def run_healthcheck(port: int) -> subprocess.CompletedProcess[str]:
    """The Dockerfile's HEALTHCHECK command, with this interpreter as the image's python."""
    command = healthcheck_command()
    assert command[0] == "python"
    return subprocess.run(
        [sys.executable, *command[1:]],
        env={**os.environ, "WXSESSION_PORT": str(port)},
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )


def count_users(database_url: str) -> int:
    async def run() -> int:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as connection:
                return int((await connection.execute(text("SELECT count(*) FROM users"))).scalar())
        finally:
            await engine.dispose()

    return asyncio.run(run())


# --- nginx and systemd ------------------------------------------------------------------------


def test_the_nginx_example_asks_routes_the_service_has() -> None:
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"^\s*auth_request /_wxsession_auth;", conf, re.M)
    asked = re.findall(r"proxy_pass http://wxsession(/\S*);", conf)
    assert asked == ["/v1/session/auth"]
    app = create_app(Settings(appid=None, secret=None, dev_mode=True))
    assert set(asked) <= set(app.openapi()["paths"])


def test_the_systemd_unit_verifies(tmp_path: Path) -> None:
    """``systemd-analyze verify`` with the unit's /opt/wxsession paths pointed at this
    virtualenv's ``wxsession`` (verify checks that each command exists)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is not on PATH (Debian: apt-get install systemd)")
    wxsession = Path(sys.executable).with_name("wxsession")
    assert wxsession.exists(), wxsession
    unit = (ROOT / "deploy" / "wxsession.service").read_text()
    assert "ExecStart=/opt/wxsession/bin/wxsession serve" in unit
    assert "ExecStartPre=/opt/wxsession/bin/wxsession db upgrade" in unit
    local = tmp_path / "wxsession.service"
    local.write_text(unit.replace("/opt/wxsession/bin/wxsession", str(wxsession)))
    result = subprocess.run(
        [analyze, "verify", str(local)], capture_output=True, text=True, timeout=60, check=False
    )
    # verify exits 0 even for a value it ignores: any line it prints is a finding.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
