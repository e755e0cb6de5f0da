"""Under a pre-forking server that loads the app before forking (``gunicorn --preload``):
the Flask example, and Django's default WSGI application (which builds the middleware, so
the runtime, when it is loaded). Each worker must check sessions on a runtime of its own;
the one opened in the master has no loop thread in the workers (issue 20: every
authenticated request waited the 5 s timeout, then answered 503)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.cli import ENV_WITHOUT_WXSESSION, TEST_DATA_KEYS
from tests.support.paths import ROOT
from tests.support.service import Service, bearer
from wxsession.server.background import free_port

WORKERS = 2
REQUESTS = 40
PROMPT = timedelta(seconds=4)  # under the adapters' 5 s fail-closed timeout, with room for a
# loaded machine (a worker's first check opens its runtime)


@pytest.fixture
def backend(redis_url: str, sqlite_url: str) -> dict[str, str]:
    """One backend, as the framework integrations use: Redis sessions, SQLite users."""
    return {"database_url": sqlite_url, "session_store": redis_url}


def environment_of(service: Service, **env: str) -> dict[str, str]:
    """A child process's environment: ``service``'s credentials and stores, and ``env``."""
    settings = service.settings
    return {
        **ENV_WITHOUT_WXSESSION,
        "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(ROOT)])),
        "WXSESSION_APPID": str(settings.appid),
        "WXSESSION_SECRET": settings.own_apps()[0].secret.get_secret_value(),
        "WXSESSION_DATABASE_URL": settings.database_url,
        "WXSESSION_SESSION_STORE": settings.session_store,
        "WXSESSION_DATA_KEYS": TEST_DATA_KEYS,
        **env,
    }


@contextmanager
def gunicorn(app: str, service: Service, log: Path, **env: str) -> Iterator[httpx.Client]:
    """``gunicorn --preload -w 2 APP`` on a free port, on ``service``'s stores."""
    port = free_port()
    environment = environment_of(service, **env)
    command = [
        sys.executable, "-m", "gunicorn", "--preload", "--workers", str(WORKERS),
        "--bind", f"127.0.0.1:{port}", "--no-control-socket", app,
    ]  # fmt: skip
    with log.open("w") as output:
        server = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=15) as http:
            deadline = time.monotonic() + 30
            while not answers(http):
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "gunicorn did not come up"
                time.sleep(0.05)
            yield http
    finally:
        server.terminate()
        server.wait(15)


def answers(http: httpx.Client) -> bool:
    """Whether the server is up: it answers a route that needs no session."""
    try:
        return http.get("/no-such-route").status_code == 404
    except httpx.TransportError:
        return False


def every_worker_checks_sessions(http: httpx.Client, service: Service, log: Path) -> None:
    """Many concurrent authenticated requests: each 200 for the right user, promptly, and
    answered by every worker (distinct pids), so no worker relies on the master's loop."""
    login = service.login("pia").json()
    token, user_id = login["session_id"], login["user"]["id"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = list(pool.map(lambda _: http.get("/pid", headers=bearer(token)), range(REQUESTS)))
    failed = [(reply.status_code, reply.text) for reply in replies if reply.status_code != 200]
    assert not failed, (failed[:3], log.read_text()[-3000:])
    assert max(reply.elapsed for reply in replies) < PROMPT
    assert {reply.json()["user_id"] for reply in replies} == {user_id}
    assert len({reply.json()["pid"] for reply in replies}) == WORKERS


def test_flask_example_under_gunicorn_preload(service: Service, tmp_path: Path) -> None:
    """Redis sessions, SQLite users (aiosqlite's connection thread stays in the master too)."""
    log = tmp_path / "gunicorn.log"
    with gunicorn("tests.system.preforked_apps:flask_app()", service, log) as http:
        every_worker_checks_sessions(http, service, log)


def test_django_default_wsgi_application_under_gunicorn_preload(
    make_service: Any, postgres_url: str, tmp_path: Path
) -> None:
    """Redis sessions, PostgreSQL users (an asyncpg pool per worker)."""
    service: Service = make_service(database_url=postgres_url)
    log = tmp_path / "gunicorn.log"
    settings = {"DJANGO_SETTINGS_MODULE": "tests.system.preforked_django_settings"}
    with gunicorn("django.core.wsgi:get_wsgi_application()", service, log, **settings) as http:
        every_worker_checks_sessions(http, service, log)


def forking(mode: str, service: Service, token: str, **stdio: Any) -> subprocess.Popen[str]:
    """``python -m tests.system.forking MODE TOKEN`` on ``service``'s stores, with no
    caches, so that every check reads both the store and the database."""
    env = environment_of(
        service, WXSESSION_SESSION_CACHE_SIZE="0", WXSESSION_REVOCATION_CACHE_SECONDS="0"
    )
    command = [sys.executable, "-m", "tests.system.forking", mode, token]
    return subprocess.Popen(command, env=env, text=True, stdout=subprocess.PIPE, **stdio)


def test_a_forked_child_checks_on_its_own_and_leaves_the_parents_connections(
    make_service: Any, postgres_url: str
) -> None:
    """A bare ``os.fork()``: the child checks on a runtime of its own, then exits normally;
    the parent's connections (PostgreSQL, Redis) were neither used nor closed by the child,
    and still serve the parent."""
    service: Service = make_service(database_url=postgres_url)
    process = forking("leave", service, service.session_for("fen"), stderr=subprocess.PIPE)
    out, err = process.communicate(timeout=60)
    assert out.splitlines() == ["parent ok", "child ok", "child exit 0", "parent after child ok"], (
        out + err
    )
    assert process.returncode == 0, err


def test_a_forked_child_that_cannot_open_its_runtime_fails_closed_then_retries(
    make_service: Any, tmp_path: Path
) -> None:
    """The database is unreachable when the child first needs it (its directory moved
    away: SQLite cannot open the file): 503, never a pass; once it is back, the child's
    next check opens its runtime and passes."""
    folder = tmp_path / "db"
    folder.mkdir()
    service: Service = make_service(database_url=f"sqlite+aiosqlite:///{folder / 'wx.db'}")
    process = forking("retry", service, service.session_for("gil"), stdin=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None
    try:
        assert process.stdout.readline() == "parent ok\n"
        folder.rename(tmp_path / "away")
        process.stdin.write("database away\n")
        process.stdin.flush()
        assert process.stdout.readline() == "child 503\n"
        (tmp_path / "away").rename(folder)
        process.stdin.write("database back\n")
        process.stdin.flush()
        assert process.stdout.read().splitlines() == ["child ok", "child exit 0"]
    finally:
        process.kill()
        process.wait(10)
