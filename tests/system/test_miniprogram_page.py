"""The example mini program's page rendered by WeChat's own component tools
(``tests/system/miniprogram_page/page.test.js``: wcc, miniprogram-exparser, j-component,
miniprogram-simulate) against a real ``wxsession serve --dev`` process, whose emulator answers
the page's logins. The npm packages are installed from the committed lockfile when missing."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.support.cli import serving
from tests.support.node import node_binary, npm_installed

PACKAGE = Path(__file__).parent / "miniprogram_page"


def test_example_page_rendered_against_a_dev_server(tmp_path: Path) -> None:
    node = node_binary()
    modules = npm_installed(PACKAGE)
    with serving(tmp_path) as (_, http):
        env = {
            **os.environ,
            "WXSESSION_URL": str(http.base_url).rstrip("/"),
            # examples/miniprogram/app.js requires the SDK as a package: found here.
            "NODE_PATH": str(modules),
            "NO_COLOR": "1",
        }
        result = subprocess.run(
            [node, "--test", "--test-reporter=tap", "page.test.js"],
            cwd=PACKAGE,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, f"node --test failed:\n{output}"
    assert re.search(r"^# pass 2$", result.stdout, re.M), output
    assert re.search(r"^# skipped 0$", result.stdout, re.M), output
