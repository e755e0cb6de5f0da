"""``deploy/nginx.conf`` under a real nginx, in front of a real ``wxsession serve --dev`` and a
backend that echoes what reaches it: a live session passes as ``X-User-Id`` and its user's
roles as ``X-User-Roles`` (forged ones are replaced, the token stripped; a role granted with
``wxsession admin roles`` shows on the next request), no or a bad token is 401, and with the
service gone the client gets the 503 it retries. Only TLS (no certificate here), the ports and
the pid and temp paths are changed. nginx (with its auth_request module: Debian's
``nginx-light`` has it) is not a Python package: the test installs it with apt-get when it is
missing (tests/support/apt.py)."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.apt import ensure_installed
from tests.support.cli import run_cli, serving
from tests.support.paths import ROOT
from wxsession.server.background import free_port, serve_in_thread


def _binary() -> str:
    return ensure_installed("nginx", "nginx-light")


def _echo_backend() -> Starlette:
    async def echo(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "x_user_id": request.headers.get("x-user-id"),
                "x_user_roles": request.headers.get("x-user-roles"),
                "authorization": request.headers.get("authorization"),
            }
        )

    return Starlette(routes=[Route("/orders/{rest:path}", echo)])


def _local_conf(tmp_path: Path, port: int, service: str, backend: str) -> Path:
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{port};")
    site = re.sub(r"\n\s*ssl_certificate\S* [^\n]*", "", site)
    site = site.replace("server 127.0.0.1:8000;", f"server {service};")
    site = site.replace("server 127.0.0.1:9000;", f"server {backend};")
    temp = " ".join(
        f"{kind}_temp_path {tmp_path / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"daemon off;\npid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\n"
        f"events {{}}\nhttp {{\naccess_log off;\n{temp}\n{site}\n}}\n"
    )
    return conf


@contextmanager
def _nginx(conf: Path, port: int) -> Iterator[httpx.Client]:
    process = subprocess.Popen(
        [_binary(), "-e", str(conf.with_name("error.log")), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            deadline = time.monotonic() + 15
            while True:
                assert process.poll() is None, (
                    f"nginx exited: {process.stderr and process.stderr.read()}"
                )
                try:
                    http.get("/nothing-here")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "nginx did not come up"
                    time.sleep(0.05)
            yield http
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_nginx_example_guards_a_backend_with_auth_request(tmp_path: Path) -> None:
    port = free_port()
    with (
        serving(tmp_path) as (service, api),
        serve_in_thread(_echo_backend()) as backend_url,
    ):
        service_address = str(api.base_url).removeprefix("http://").rstrip("/")
        backend = backend_url.removeprefix("http://").rstrip("/")
        conf = _local_conf(tmp_path, port, service_address, backend)
        check = subprocess.run(
            [_binary(), "-t", "-e", str(tmp_path / "t.log"),
             "-c", str(conf)],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        assert check.returncode == 0, check.stderr
        with _nginx(conf, port) as http:
            code = api.post("/_emulator/login", json={"user": "alice"}).json()["code"]
            login = http.post("/v1/auth/wechat/login", json={"code": code})  # through nginx
            assert login.status_code == 200, login.text
            token, user_id = login.json()["session_id"], login.json()["user"]["id"]
            bearer = {"Authorization": f"Bearer {token}"}
            forged = {"X-User-Id": "forged", "X-User-Roles": "admin"}
            passed = http.get("/orders/1", headers={**bearer, **forged})
            assert passed.status_code == 200, passed.text
            assert passed.json() == {
                "x_user_id": user_id,
                "x_user_roles": None,  # no roles: nginx sends no header, and not the forged one
                "authorization": None,
            }
            for command in (("define", "editor", "orders:write"), ("grant", user_id, "editor")):
                done = run_cli("admin", "roles", *command, cwd=tmp_path)
                assert done.returncode == 0, done.stderr
            passed = http.get("/orders/1", headers={**bearer, **forged})
            assert passed.json()["x_user_roles"] == "editor"
            assert http.get("/orders/1").status_code == 401
            refused = http.get("/orders/1", headers={"Authorization": "Bearer nope"})
            assert refused.status_code == 401
            assert http.get("/metrics").status_code == 404
            service.kill()
            service.wait(timeout=10)
            gone = http.get("/orders/1", headers=bearer)
            assert gone.status_code == 503
            assert gone.headers["retry-after"] == "1"
            assert gone.json()["error"]["code"] == "SESSION_STORE_UNAVAILABLE"
