"""Running the ``wxsession`` command as users do: a fresh process, only the settings given."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from wxsession.server.background import free_port

TEST_DATA_KEYS = "test-1:dGVzdC1kYXRhLWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2g="
"""A public data key (``WXSESSION_DATA_KEYS``) for the services tests start: needed outside
dev mode. ``tests/conftest.py`` puts it in this process's environment."""

ENV_WITHOUT_WXSESSION = {k: v for k, v in os.environ.items() if not k.startswith("WXSESSION_")}


def run_cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``wxsession ARGS`` to completion with only ``env`` as WXSESSION_* settings."""
    return subprocess.run(
        [sys.executable, "-m", "wxsession.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**ENV_WITHOUT_WXSESSION, **env},
        cwd=cwd,
        check=False,
    )


@contextmanager
def serving(tmp_path: Path, **env: str) -> Iterator[tuple[subprocess.Popen[str], httpx.Client]]:
    """A `wxsession serve` process (dev mode unless ``env`` says otherwise) in ``tmp_path``,
    up and answering /healthz, with its output captured; killed at the end if still running."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "wxsession.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env={**ENV_WITHOUT_WXSESSION, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            wait_until_up(server, http, "wxsession serve")
            yield server, http
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(timeout=10)


def wait_until_up(
    server: subprocess.Popen[str], http: httpx.Client, name: str, path: str = "/healthz"
) -> None:
    """Poll ``path`` through ``http`` until it answers 200 (30 s at most), failing at once
    if ``server`` exits first."""
    deadline = time.monotonic() + 30
    while True:
        assert server.poll() is None, f"{name} exited early"
        try:
            if http.get(path).status_code == 200:
                return
        except httpx.TransportError:
            assert time.monotonic() < deadline, f"{name} did not come up"
            time.sleep(0.05)
