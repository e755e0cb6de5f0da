"""The operator console for tests: a service with ``WXSESSION_CONSOLE`` on, operators added
through the real command (``wxsession admin operator add``), and their TOTP codes computed
from the URI the command printed, at the service's own (movable) clock."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

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
