"""Dev mode (no credentials: emulator in-process and on the same port) and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from wxsession.server.app import create_app
from wxsession.server.background import serve_in_thread
from wxsession.settings import Settings

ENV_WITHOUT_WXSESSION = {k: v for k, v in os.environ.items() if not k.startswith("WXSESSION_")}


def test_dev_mode_walk_with_plain_http(tmp_path: Path) -> None:
    """What the README's curl walk does: emulator code → login → /v1/me → logout → 401."""
    settings = Settings(
        appid=None, secret=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'dev.db'}"
    )
    assert settings.dev_mode
    with serve_in_thread(create_app(settings)) as url, httpx.Client(base_url=url) as http:
        code = http.post("/_emulator/login", json={"user": "dev-user"}).json()["code"]
        login = http.post("/v1/auth/wechat/login", json={"code": code})
        assert login.status_code == 200
        auth = {"Authorization": f"Bearer {login.json()['session_id']}"}
        assert http.get("/v1/me", headers=auth).status_code == 200
        assert http.post("/v1/auth/logout", headers=auth).status_code == 204
        assert http.get("/v1/me", headers=auth).status_code == 401
        # The emulator's routes are not part of the documented API.
        assert "/_emulator/login" not in http.get("/openapi.json").json()["paths"]


def test_demo_command_shows_the_flow() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wxsession.cli", "demo"],
        capture_output=True,
        text=True,
        timeout=60,
        env=ENV_WITHOUT_WXSESSION,
        check=False,
    )
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
    env = {**ENV_WITHOUT_WXSESSION, "WXSESSION_SESSION_TTL": "two hours"}
    result = subprocess.run(
        [sys.executable, "-m", "wxsession.cli", "serve", "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert "WXSESSION_SESSION_TTL" in result.stderr


def test_half_configured_credentials_are_refused(tmp_path: Path) -> None:
    env = {**ENV_WITHOUT_WXSESSION, "WXSESSION_APPID": "wx0123456789abcdef"}
    result = subprocess.run(
        [sys.executable, "-m", "wxsession.cli", "serve"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert "WXSESSION_SECRET" in result.stderr
