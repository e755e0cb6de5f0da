"""Dev mode (no credentials: emulator in-process and on the same port) and the CLI."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.support.cli import TEST_DATA_KEYS, run_cli, serving
from wxsession.migrate import head_revision
from wxsession.settings import DEV_APPID


def test_serve_on_defaults_walks_with_plain_http(tmp_path: Path) -> None:
    """The README's curl walk against a real `wxsession serve` on its embedded defaults:
    emulator code → login → /v1/me → logout → 401."""
    with serving(tmp_path) as (server, http):
        code = http.post("/_emulator/login", json={"user": "dev-user"}).json()["code"]
        login = http.post("/v1/auth/wechat/login", json={"code": code})
        assert login.status_code == 200
        auth = {"Authorization": f"Bearer {login.json()['session_id']}"}
        assert http.get("/v1/me", headers=auth).status_code == 200
        assert http.post("/v1/auth/logout", headers=auth).status_code == 204
        assert http.get("/v1/me", headers=auth).status_code == 401
        # The emulator's routes are not part of the documented API.
        assert "/_emulator/login" not in http.get("/openapi.json").json()["paths"]
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert "DEV MODE" in output
    assert (tmp_path / "wxsession.db").exists()


def test_demo_command_shows_the_flow(tmp_path: Path) -> None:
    result = run_cli("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout
    assert "POST /v1/auth/wechat/login → 200" in lines
    assert "GET /v1/me → 200" in lines
    assert "POST /v1/auth/wechat/login → 401" in lines  # the replayed code
    assert "POST /v1/auth/logout → 204" in lines
    last_step = lines.split("6. ", 1)[1]
    assert "GET /v1/me → 401" in last_step
    assert "SESSION_INVALID" in last_step
    # Issue 26: the replay's audit line went to stderr, unexplained; it is now told in step 4,
    # and the demo writes nothing else to stderr (the dev-mode banner neither).
    replay = lines.split("4. ", 1)[1].split("5. ", 1)[0]
    failed = f"audit log: login_failed provider=wechat app={DEV_APPID} reason=WECHAT_CODE_USED"
    assert failed in replay
    assert result.stderr == ""


def test_bad_setting_stops_start_with_the_variable_named(tmp_path: Path) -> None:
    result = run_cli("serve", "--port", "1", cwd=tmp_path, WXSESSION_SESSION_TTL="two hours")
    assert result.returncode == 2
    assert "WXSESSION_SESSION_TTL" in result.stderr


def test_half_configured_credentials_are_refused(tmp_path: Path) -> None:
    result = run_cli("serve", cwd=tmp_path, WXSESSION_APPID="wx0123456789abcdef")
    assert result.returncode == 2
    assert "WXSESSION_SECRET" in result.stderr


def test_db_upgrade_command_creates_the_schema(tmp_path: Path) -> None:
    database = tmp_path / "users.db"
    result = run_cli(
        "db", "upgrade", cwd=tmp_path, WXSESSION_DATABASE_URL=f"sqlite+aiosqlite:///{database}"
    )
    assert result.returncode == 0, result.stderr
    assert f"revision {head_revision()}" in result.stdout
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"users", "identities", "sessions", "alembic_version"} <= tables


PRODUCTION_LIKE = {
    "qq credentials": {"WXSESSION_QQ_APPID": "1101", "WXSESSION_QQ_SECRET": "qq-secret-value"},
    "douyin credentials": {"WXSESSION_DOUYIN_APPID": "tt01", "WXSESSION_DOUYIN_SECRET": "dy-sec"},
    "app credentials": {"WXSESSION_WECHAT_APP_APPID": "wxa", "WXSESSION_WECHAT_APP_SECRET": "a"},
    "baidu credentials": {"WXSESSION_BAIDU_APP_KEY": "bdk", "WXSESSION_BAIDU_APP_SECRET": "b"},
    "kuaishou credentials": {"WXSESSION_KUAISHOU_APPID": "ks1", "WXSESSION_KUAISHOU_SECRET": "k"},
    "public host": {"WXSESSION_HOST": "0.0.0.0"},  # noqa: S104 - the finding's bind address
    "postgresql": {"WXSESSION_DATABASE_URL": "postgresql+asyncpg://wxs:pw@127.0.0.1:1/wxs"},
    "redis": {"WXSESSION_SESSION_STORE": "redis://127.0.0.1:1/0"},
}


@pytest.mark.parametrize("env", PRODUCTION_LIKE.values(), ids=PRODUCTION_LIKE.keys())
def test_serve_never_starts_dev_mode_implicitly_next_to_production_settings(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """Issue 19: only QQ credentials (or 0.0.0.0, PostgreSQL, Redis) and no WXSESSION_APPID
    served /_emulator/* to anyone. Now serve refuses, in one line naming what to set."""
    result = run_cli("serve", "--port", "1", cwd=tmp_path, **env)
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.splitlines()
    assert "WXSESSION_APPID" in line
    assert "WXSESSION_DEV_MODE=true" in line
    assert "--dev" in line
    assert "pw@" not in line  # the database password is not echoed


def test_serve_refuses_dev_mode_on_a_public_host_given_on_the_command_line(
    tmp_path: Path,
) -> None:
    result = run_cli("serve", "--host", "0.0.0.0", "--port", "1", cwd=tmp_path)  # noqa: S104
    assert result.returncode == 2
    assert "WXSESSION_HOST=0.0.0.0" in result.stderr


def test_explicit_dev_opt_in_serves_the_emulator_and_says_where(tmp_path: Path) -> None:
    env = {"WXSESSION_DEV_MODE": "true", "WXSESSION_HOST": "0.0.0.0"}  # noqa: S104
    with serving(tmp_path, **env) as (server, http):
        assert http.post("/_emulator/login", json={"user": "dev-user"}).status_code == 200
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert "DEV MODE (bound to 0.0.0.0: REACHABLE FROM OTHER MACHINES)" in output


def test_production_settings_serve_no_emulator(tmp_path: Path) -> None:
    env = {
        "WXSESSION_APPID": "wx0123456789abcdef",
        "WXSESSION_SECRET": "real-secret",
        "WXSESSION_DATA_KEYS": TEST_DATA_KEYS,
    }
    with serving(tmp_path, **env) as (server, http):
        assert http.post("/_emulator/login", json={"user": "x"}).status_code == 404
        assert http.post("/_emulator/faults", json={"latency_ms": 1}).status_code == 404
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert "DEV MODE" not in output


def test_plain_http_api_base_is_refused_with_real_credentials(tmp_path: Path) -> None:
    env = {
        "WXSESSION_APPID": "wx0123456789abcdef",
        "WXSESSION_SECRET": "real-secret",
        "WXSESSION_WECHAT_API_BASE": "http://api.weixin.qq.com",
    }
    result = run_cli("serve", "--port", "1", cwd=tmp_path, **env)
    assert result.returncode == 2
    assert "WXSESSION_WECHAT_API_BASE is plain http://" in result.stderr
    assert "real-secret" not in result.stderr
