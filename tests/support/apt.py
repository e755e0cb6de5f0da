"""Debian packages a suite needs that are not Python packages (Chromium for the browser
tests, nginx for the nginx example): present, or installed with ``apt-get`` by the test
setup itself (CI runs on a clean machine as root). A missing package that cannot be
installed fails the test loudly with apt's own words; it never skips."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def _apt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(
        ["apt-get", *args], capture_output=True, text=True, env=env, timeout=900, check=False
    )


def ensure_installed(binary: str, package: str) -> str:
    """``binary``'s path (an absolute path, or a name found on ``PATH`` or in ``/usr/sbin``),
    installing Debian's ``package`` first if it is missing; a :class:`RuntimeError` with
    apt's reason if it cannot be.

    xdist workers may ask at the same time: a file lock makes one install while the others
    wait (two apt-get runs at once fail on dpkg's own lock)."""
    found = _find(binary)
    if found is not None:
        return found
    lock_path = Path(tempfile.gettempdir()) / "wxsession-apt-install.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            found = _find(binary)
            return found if found is not None else _install(binary, package)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _find(binary: str) -> str | None:
    if binary.startswith("/"):
        return binary if Path(binary).exists() else None
    return shutil.which(binary, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")


def _install(binary: str, package: str) -> str:
    if shutil.which("apt-get") is None:
        raise RuntimeError(f"{binary} is missing and there is no apt-get to install {package}")
    install = ("install", "-y", "--no-install-recommends", package)
    result = _apt(*install)
    if result.returncode != 0:
        update = _apt("update")
        if update.returncode != 0:
            raise RuntimeError(f"apt-get update failed (are we root?): {update.stderr[-2000:]}")
        result = _apt(*install)
    found = _find(binary)
    if result.returncode != 0 or found is None:
        raise RuntimeError(f"apt-get install {package} failed: {result.stderr[-2000:]}")
    return found
