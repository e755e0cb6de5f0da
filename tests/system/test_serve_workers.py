"""`wxsession serve --workers 2` on the SQL store in one SQLite file: each worker caches
sessions, and a logout or a disable made through one worker (or the admin CLI, a third
process) is refused by every worker on its next request. Requests go on fresh connections,
which the kernel hands to either worker; the request id's process tag says which answered."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.cli import ENV_WITHOUT_WXSESSION, run_cli, wait_until_up
from wxsession.server.background import free_port

WORKERS = 2


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Connection": "close"}


class Workers:
    def __init__(self, url: str, env: dict[str, str], cwd: Path) -> None:
        self.url, self.env, self.cwd = url, env, cwd

    def login(self, user: str) -> str:
        """On one connection, so the worker whose emulator issued the code redeems it."""
        with httpx.Client(base_url=self.url, timeout=10) as http:
            code = http.post("/_emulator/login", json={"user": user}).json()["code"]
            response = http.post("/v1/auth/wechat/login", json={"code": code})
        assert response.status_code == 200, response.text
        token: str = response.json()["session_id"]
        return token

    def on_every_worker(self, token: str, status: int, times: int = 2) -> None:
        """Ask on fresh connections until each worker answered ``times`` times (twice: the
        second answer comes from its cache); every answer must be ``status``."""
        answered: Counter[str] = Counter()
        for _ in range(400):
            response = httpx.get(f"{self.url}/v1/me", headers=bearer(token), timeout=10)
            assert response.status_code == status, response.text
            answered[response.headers["x-request-id"][:-8]] += 1  # the process tag
            if len(answered) == WORKERS and min(answered.values()) >= times:
                return
        raise AssertionError(f"not every worker answered: {answered}")


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    env = {
        "WXSESSION_DEV_MODE": "true",
        "WXSESSION_SESSION_STORE": "sql",
        "WXSESSION_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'wxsession.db'}",
        "WXSESSION_LOG_LEVEL": "warning",
    }
    port = free_port()
    command = [sys.executable, "-m", "wxsession.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", str(WORKERS)],
        cwd=tmp_path,
        env={**ENV_WITHOUT_WXSESSION, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, timeout=10) as http:
            wait_until_up(server, http, "wxsession serve --workers")
        yield Workers(url, env, tmp_path)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_logout_on_one_worker_is_refused_by_every_worker(workers: Workers) -> None:
    token = workers.login("logout")
    workers.on_every_worker(token, 200)
    with httpx.Client(base_url=workers.url, timeout=10) as http:
        assert http.post("/v1/auth/logout", headers=bearer(token)).status_code == 204
    workers.on_every_worker(token, 401, times=1)


def test_a_disable_by_the_admin_cli_is_refused_by_every_worker(workers: Workers) -> None:
    token = workers.login("disabled")
    workers.on_every_worker(token, 200)
    user_id = httpx.get(f"{workers.url}/v1/me", headers=bearer(token)).json()["id"]
    env = {k: v for k, v in workers.env.items() if k != "WXSESSION_LOG_LEVEL"}
    done = run_cli("admin", "disable", user_id, cwd=workers.cwd, **env)
    assert done.returncode == 0, done.stderr
    workers.on_every_worker(token, 401, times=1)
