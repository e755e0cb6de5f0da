"""Dev mode (no credentials: emulator in-process and on the same port) and the CLI."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.support.cli import run_cli, serving
from wxsession.migrate import head_revision


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
