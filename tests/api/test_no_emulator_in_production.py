"""A production app (real credentials, every platform configured) never loads the emulator:
not ``wxsession.emulator``, not any platform's ``emulated.py``, neither when built nor when
serving. Checked in a fresh process, since this one has loaded the emulator long ago."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.cli import ENV_WITHOUT_WXSESSION, TEST_DATA_KEYS

PRODUCTION = {
    "WXSESSION_APPID": "wx0123456789abcdef",
    "WXSESSION_SECRET": "real-secret",
    "WXSESSION_DATA_KEYS": TEST_DATA_KEYS,
    "WXSESSION_WECHAT_APP_APPID": "wxfedcba9876543210",
    "WXSESSION_WECHAT_APP_SECRET": "real-app-secret",
    "WXSESSION_QQ_APPID": "1101234567",
    "WXSESSION_QQ_SECRET": "real-qq-secret",
    "WXSESSION_DOUYIN_APPID": "tt0123456789abcdef",
    "WXSESSION_DOUYIN_SECRET": "real-douyin-secret",
    "WXSESSION_BAIDU_APP_KEY": "Kp3Xb7Qz9Lm2Wv5Rt8Yc1Nd4Hf6Gj0Sa",
    "WXSESSION_BAIDU_APP_SECRET": "real-baidu-secret",
    "WXSESSION_KUAISHOU_APPID": "ks715790869885446758",
    "WXSESSION_KUAISHOU_SECRET": "real-kuaishou-secret",
}

SCRIPT = """
import json, sys

from starlette.testclient import TestClient

import wxsession.cli
from wxsession.server.app import create_app


def emulator_modules():
    return sorted(
        name
        for name in sys.modules
        if name == "wxsession.emulator"
        or name.startswith("wxsession.emulator.")
        or name.endswith(".emulated")
        or name == "wxsession.dev_mode"
    )


app = create_app()
built = emulator_modules()
with TestClient(app) as client:
    status = client.get("/healthz").status_code
    login = client.post("/v1/auth/qq/login", json={}).status_code
print(json.dumps({"built": built, "served": emulator_modules(), "status": status, "login": login}))
"""


def test_a_production_app_loads_no_emulator_module(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        env={**ENV_WITHOUT_WXSESSION, **PRODUCTION},
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["status"] == 200
    assert seen["login"] == 422  # the route is there; the body is refused before any call
    assert seen["built"] == []
    assert seen["served"] == []
