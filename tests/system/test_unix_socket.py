"""Served on a Unix socket (``uvicorn --uds``), as behind a local nginx: the peer has no
address, so without ``unix`` in WXSESSION_TRUSTED_PROXIES every client would be one throttle
bucket. A real uvicorn process, a real socket file, real Argon2 hashing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.cli import ENV_WITHOUT_WXSESSION, wait_until_up

REGISTER = "/v1/auth/password/register"
LOGIN = "/v1/auth/password/login"
PASSWORD = "correct horse battery staple"
ATTACKER, VICTIM = "203.0.113.66", "198.51.100.7"


@contextmanager
def on_unix_socket(tmp_path: Path, **env: str) -> Iterator[tuple[httpx.Client, Path]]:
    """``create_app`` under uvicorn on ``tmp_path/wxs.sock``; yields a client and the log."""
    socket, log = tmp_path / "wxs.sock", tmp_path / "server.log"
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "wxsession.server.app:create_app",
        "--uds", str(socket), "--no-proxy-headers",
    ]  # fmt: skip
    with log.open("w") as output:
        server = subprocess.Popen(
            command, cwd=tmp_path, env={**ENV_WITHOUT_WXSESSION, **env},
            stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    transport = httpx.HTTPTransport(uds=str(socket))
    try:
        with httpx.Client(transport=transport, base_url="http://wxsession", timeout=10) as http:
            wait_until_up(server, http, "uvicorn --uds")
            yield http, log
    finally:
        server.terminate()
        server.wait(10)


def login(http: httpx.Client, password: str, ip: str) -> httpx.Response:
    body = {"username": "alice", "password": password}
    return http.post(LOGIN, json=body, headers={"X-Forwarded-For": ip})


def test_behind_a_local_proxy_on_a_unix_socket_each_client_has_its_own_limit(
    tmp_path: Path,
) -> None:
    with on_unix_socket(tmp_path, WXSESSION_TRUSTED_PROXIES="unix") as (http, _):
        registered = http.post(REGISTER, json={"username": "alice", "password": PASSWORD})
        assert registered.status_code == 201, registered.text
        for _ in range(10):
            assert login(http, "wrong password!", ATTACKER).status_code == 401
        refused = login(http, PASSWORD, ATTACKER)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert login(http, PASSWORD, VICTIM).status_code == 200  # not locked out


def test_without_it_the_shared_bucket_is_reported_with_the_fix(tmp_path: Path) -> None:
    with on_unix_socket(tmp_path) as (http, log):
        registered = http.post(REGISTER, json={"username": "alice", "password": PASSWORD})
        assert registered.status_code == 201, registered.text
        assert login(http, PASSWORD, VICTIM).status_code == 200
        assert login(http, PASSWORD, VICTIM).status_code == 200
    text = log.read_text()
    assert text.count("client address unknown") == 1, text  # once a process, not per request
    assert "WXSESSION_TRUSTED_PROXIES=unix" in text
