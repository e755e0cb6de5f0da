"""The operator console for tests: a service with ``WXSESSION_CONSOLE`` on, operators added
through the real command (``wxsession admin operator add``), and their TOTP codes computed
from the URI the command printed, at the service's own (movable) clock."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import httpx
import pyotp

from tests.support.cli import ENV_WITHOUT_WXSESSION, TEST_DATA_KEYS
from tests.support.service import Service

PASSWORD = "console-operator-pw-8c1e"  # a test operator's password


@dataclass(frozen=True)
class Operator:
    name: str
    role: str
    totp_uri: str

    def code(self, service: Service, steps_ahead: int = 0) -> str:
        """The operator's TOTP code at the service's clock (``steps_ahead`` steps later)."""
        totp = pyotp.parse_uri(self.totp_uri)
        return totp.at(service.clock() + 30 * steps_ahead)


def admin_cli(service: Service, *args: str, stdin: str = "") -> tuple[int, list[dict[str, str]]]:
    """``wxsession admin ARGS`` in a fresh process against the service's database, store and
    data keys: its exit status and JSON lines. (A process of its own, because a browser test's
    thread runs Playwright's event loop, where the command's ``asyncio.run`` cannot.)"""
    done = subprocess.run(
        [sys.executable, "-m", "wxsession.cli", "admin", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={
            **ENV_WITHOUT_WXSESSION,
            "WXSESSION_DATABASE_URL": service.settings.database_url,
            "WXSESSION_SESSION_STORE": service.settings.session_store,
            "WXSESSION_DATA_KEYS": TEST_DATA_KEYS,
        },
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, lines


def add_operator(service: Service, name: str, role: str) -> Operator:
    status, out = admin_cli(
        service, "operator", "add", name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert status == 0, out
    return Operator(name, role, out[0]["totp_uri"])


CONSOLE_COOKIE = "__Host-wxsession-console"
PRE_COOKIE = "__Host-wxsession-console-pre"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class ConsoleClient:
    """A browser's requests to the console, played with httpx: same-origin ``Origin`` on
    every POST, cookies kept by hand (httpx would not send ``Secure`` ones over http)."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.last: httpx.Response | None = None

    def get(self, path: str, headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
        sent = {**self._headers(), **(headers or {})}
        return self._keep(self.service.http.get(path, headers=sent, **kw))

    def post(self, path: str, data: dict[str, str] | None = None, **headers: str) -> httpx.Response:
        form = {"csrf": self.csrf, **(data or {})}
        sent = {**self._headers(), "Origin": self.service.url, **headers}
        return self._keep(self.service.http.post(path, data=form, headers=sent))

    def sign_in(self, operator: Operator, code: str | None = None) -> httpx.Response:
        self.get("/admin/sign-in")
        return self.post(
            "/admin/sign-in",
            {
                "name": operator.name,
                "password": PASSWORD,
                "code": code or operator.code(self.service),
            },
        )

    def _headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def _keep(self, response: httpx.Response) -> httpx.Response:
        for line in response.headers.get_list("set-cookie"):
            name, _, rest = line.partition("=")
            value = rest.split(";", 1)[0]
            if value in ('""', "") or "max-age=0" in line.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        found = _CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        self.last = response
        return response
