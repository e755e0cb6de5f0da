"""``wxsession emulator`` registers apps of every platform from its options."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.cli import ENV_WITHOUT_WXSESSION, run_cli
from wxsession.server.background import free_port


def test_the_emulator_command_registers_each_platforms_apps(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "wxsession.cli", "emulator", "--port", str(port)),
            *("--qq-app", "1101:qq-secret", "--wechat-app", "wxapp:app-secret"),
            *("--douyin-app", "tt1:douyin-secret", "--baidu-app", "bdkey:baidu-secret"),
            *("--kuaishou-app", "ks1:kuaishou-secret"),
        ],
        cwd=tmp_path,
        env=ENV_WITHOUT_WXSESSION,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, "wxsession emulator exited early"
                try:
                    if http.get("/_emulator/health").status_code == 200:
                        break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "wxsession emulator did not come up"
                    time.sleep(0.05)
            code = http.post("/_emulator/login", json={"appid": "1101", "user": "a"}).json()
            query = {"appid": "1101", "secret": "wrong", "js_code": code["code"]}
            assert http.get("/qq/sns/jscode2session", params=query).json()["errcode"] == 40125
            query["secret"] = "qq-secret"
            assert http.get("/qq/sns/jscode2session", params=query).json()["errcode"] == 0
            douyin = {"appid": "tt1", "secret": "wrong", "code": "x"}
            answer = http.post("/douyin/api/apps/v2/jscode2session", json=douyin).json()
            assert answer["err_no"] == 40017
            baidu = {"client_id": "bdkey", "sk": "wrong", "code": "x"}
            refused = http.post("/baidu/oauth/jscode2sessionkey", data=baidu)
            assert (refused.status_code, refused.json()["error"]) == (400, "invalid_client")
            kuaishou = {"app_id": "ks1", "app_secret": "wrong", "js_code": "x"}
            answer = http.post("/kuaishou/oauth2/mp/code2session", data=kuaishou).json()
            assert answer["result"] == 100200101
            app_code = http.post("/_emulator/login", json={"user": "a", "platform": "wechat_app"})
            assert app_code.status_code == 200  # the only App registered is the default
    finally:
        process.kill()
        process.wait(timeout=10)


def test_a_bad_platform_app_option_exits_2_without_echoing_it(tmp_path: Path) -> None:
    result = run_cli("emulator", "--douyin-app", "no-separator-secret", cwd=tmp_path)
    assert result.returncode == 2
    assert "--douyin-app:" in result.stderr
    assert "no-separator-secret" not in result.stderr
