"""Node.js for the JavaScript the suite runs (the SDK's tests, the example page): found on
PATH and new enough, else the test fails (never skips); npm packages installed from their
committed lockfile when a clean clone has no ``node_modules`` yet."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

MIN_NODE = 18  # global fetch and node:test


def node_binary() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            f"Node.js (>= {MIN_NODE}) is not on PATH: the JavaScript tests need it. "
            "Install Node.js; these tests are never skipped."
        )
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    found = re.match(r"v(\d+)", version.stdout.strip())
    if found is None or int(found.group(1)) < MIN_NODE:
        pytest.fail(f"Node.js {version.stdout.strip()} is too old: {MIN_NODE} or newer is needed.")
    return node


def npm_installed(package: Path) -> Path:
    """``package``'s ``node_modules``, installed with ``npm ci`` (exactly the committed
    ``package-lock.json``) when it is missing or older than that lockfile."""
    modules = package / "node_modules"
    installed = modules / ".package-lock.json"  # npm's record of what it installed
    lockfile = package / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lockfile.stat().st_mtime:
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is not on PATH: it comes with Node.js, which these tests need.")
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=package,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, f"npm ci in {package} failed:\n{result.stderr}"
    return modules
