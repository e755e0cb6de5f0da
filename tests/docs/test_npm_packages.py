"""Every npm package of the repository (the SDK, the example mini program, the example page's
test tools, the benchmark's Express peer) has its ``package-lock.json`` committed beside it,
in step with its ``package.json``: an ``npm install`` on a clean clone changes no file, and
``npm ci`` installs exactly what was tested."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.support.paths import ROOT


def _packages() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*package.json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return sorted(ROOT / path for path in listed if Path(path).name == "package.json")


def test_every_package_json_has_a_lockfile_in_step() -> None:
    packages = _packages()
    assert {p.parent.relative_to(ROOT).as_posix() for p in packages} >= {
        "clients/miniprogram",
        "examples/miniprogram",
        "tests/system/miniprogram_page",
        "bench/peers/express",
    }
    for manifest in packages:
        lockfile = manifest.with_name("package-lock.json")
        assert lockfile.exists(), f"{lockfile.relative_to(ROOT)} is missing: run npm install"
        wanted = json.loads(manifest.read_text(encoding="utf-8"))
        locked = json.loads(lockfile.read_text(encoding="utf-8"))["packages"][""]
        for field in ("dependencies", "devDependencies"):
            assert locked.get(field, {}) == wanted.get(field, {}), (
                f"{lockfile.relative_to(ROOT)} is stale ({field}): run npm install"
            )


def test_no_lockfile_is_ignored() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "--verbose", "package-lock.json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ignored.returncode == 1, f"package-lock.json is ignored: {ignored.stdout}"
