"""Real mode, as operators run it: ``wxsession serve`` with two mini programs and two QQ apps
listed in its environment, against a separate ``wxsession emulator`` process that registered
the same apps (several in one option, and the option repeated)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.cli import ENV_WITHOUT_WXSESSION, TEST_DATA_KEYS, serving, wait_until_up
from wxsession.server.background import free_port

A, B = ("wxa0000000000000a1", "secret-of-a"), ("wxb0000000000000b2", "secret-of-b")
QQ_A, QQ_B = ("1101000001", "qq-secret-a"), ("1101000002", "qq-secret-b")


@pytest.fixture
def emulator_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "wxsession.cli", "emulator", "--port", str(port)),
            *("--app", f"{A[0]}:{A[1]},{B[0]}:{B[1]}"),
            *("--qq-app", f"{QQ_A[0]}:{QQ_A[1]}", "--qq-app", f"{QQ_B[0]}:{QQ_B[1]}"),
        ],
        cwd=tmp_path,
        env=ENV_WITHOUT_WXSESSION,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=10) as http:
            wait_until_up(process, http, "wxsession emulator", path="/_emulator/health")
        yield url
    finally:
        process.kill()
        process.wait(timeout=10)


def test_two_apps_of_a_platform_against_a_separate_emulator(
    tmp_path: Path, emulator_url: str
) -> None:
    env = {
        "WXSESSION_WECHAT_APPS": f"{A[0]}:{A[1]},{B[0]}:{B[1]}",
        "WXSESSION_QQ_APPS": f"{QQ_A[0]}:{QQ_A[1]},{QQ_B[0]}:{QQ_B[1]}",
        "WXSESSION_WECHAT_API_BASE": emulator_url,
        "WXSESSION_QQ_API_BASE": emulator_url + "/qq",
        "WXSESSION_DATA_KEYS": TEST_DATA_KEYS,
    }
    with serving(tmp_path, **env) as (server, http), httpx.Client(base_url=emulator_url) as emu:

        def code(appid: str, user: str, platform: str = "wechat") -> str:
            body = {"appid": appid, "user": user, "platform": platform}
            found: str = emu.post("/_emulator/login", json=body).json()["code"]
            return found

        def login(platform: str, appid: str, user: str) -> str:
            body = {"code": code(appid, user, platform), "appid": appid}
            answer = http.post(f"/v1/auth/{platform}/login", json=body)
            assert answer.status_code == 200, answer.text
            token: str = answer.json()["session_id"]
            return token

        def me(token: str) -> str:
            found: str = http.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()[
                "id"
            ]
            return found

        sessions = {
            (platform, appid): login(platform, appid, "amy")
            for platform, apps in (("wechat", (A, B)), ("qq", (QQ_A, QQ_B)))
            for appid, _ in apps
        }
        assert len({me(token) for token in sessions.values()}) == 4  # one person per app
        assert me(login("wechat", A[0], "amy")) == me(sessions["wechat", A[0]])

        for appid in (A[0], B[0]):  # each session's own app: its access token, its key
            auth = {"Authorization": f"Bearer {sessions['wechat', appid]}"}
            phone = emu.post("/_emulator/phone-code", json={"appid": appid, "user": "amy"})
            answer = http.post("/v1/me/phone", headers=auth, json=phone.json())
            assert answer.status_code == 200, answer.text
            assert http.get("/v1/wechat/session-key", headers=auth).json() == {"valid": True}

        auth_b = {"Authorization": f"Bearer {sessions['wechat', B[0]]}"}
        phone_a = emu.post("/_emulator/phone-code", json={"appid": A[0], "user": "amy"}).json()
        crossed = http.post("/v1/me/phone", headers=auth_b, json=phone_a)
        assert crossed.json()["error"]["code"] == "WECHAT_PHONE_CODE_INVALID"

        unnamed = http.post("/v1/auth/wechat/login", json={"code": code(A[0], "amy")})
        assert unnamed.json()["error"]["code"] == "APPID_REQUIRED"
        server.kill()
        output = server.communicate(timeout=10)[0]
    for secret in (A[1], B[1], QQ_A[1], QQ_B[1]):
        assert secret not in output
