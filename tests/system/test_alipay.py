"""Alipay as operators run it: ``wxsession serve`` refuses a key that does not load in one
line naming the variable, and a real-mode service logs in through a separate
``wxsession emulator`` process that knows the app's public key (keys given as files)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.alipay import ALIPAY, ALIPAY_PUBLIC_KEY, APP_PUBLIC_KEY, OTHER_PRIVATE_KEY
from tests.support.cli import ENV_WITHOUT_WXSESSION, TEST_DATA_KEYS, run_cli, serving
from wxsession.platforms.alipay import wire
from wxsession.platforms.alipay.keys import private_key
from wxsession.server.background import free_port

APPID, PRIVATE_KEY = ALIPAY
MINI = ("wx5e1f0c3a9b7d2e46", "system-mini-secret-0123456789abcd")
PRODUCTION = {
    "WXSESSION_APPID": MINI[0],
    "WXSESSION_SECRET": MINI[1],
    "WXSESSION_DATA_KEYS": TEST_DATA_KEYS,
    "WXSESSION_ALIPAY_APPID": APPID,
    "WXSESSION_ALIPAY_PUBLIC_KEY": ALIPAY_PUBLIC_KEY,
}
LINE = (
    "WXSESSION_ALIPAY_PRIVATE_KEY: is not an unencrypted RSA private key (PEM, or Alipay's"
    " one-line base64) nor a file holding one"
)


@pytest.mark.parametrize("value", ["not-a-key-9e2b", "/no/such/dir/app_private_key_9e2b.pem"])
def test_a_private_key_that_does_not_load_stops_serve_in_one_line(
    tmp_path: Path, value: str
) -> None:
    result = run_cli(
        "serve", "--port", "1", cwd=tmp_path, **PRODUCTION, WXSESSION_ALIPAY_PRIVATE_KEY=value
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.splitlines() == [LINE]
    assert "9e2b" not in result.stdout + result.stderr


def test_config_check_says_the_same_line(tmp_path: Path) -> None:
    result = run_cli(
        "config", "check", cwd=tmp_path, **PRODUCTION, WXSESSION_ALIPAY_PRIVATE_KEY="x-9e2b"
    )
    assert result.returncode == 2
    assert f"  {LINE}" in result.stdout.splitlines()
    assert "x-9e2b" not in result.stdout


@contextmanager
def emulator_process(tmp_path: Path, *options: str) -> Iterator[str]:
    """``wxsession emulator OPTIONS`` on a free port until the block ends; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "wxsession.cli", "emulator", "--port", str(port), *options],
        cwd=tmp_path,
        env=ENV_WITHOUT_WXSESSION,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "wxsession emulator exited early"
            try:
                if httpx.get(f"{url}/_emulator/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "wxsession emulator did not come up"
            time.sleep(0.05)
        yield url
    finally:
        process.kill()
        process.wait(timeout=10)


def test_serve_logs_in_through_a_separate_emulator_process(tmp_path: Path) -> None:
    files = {"app_public.pem": APP_PUBLIC_KEY, "app_private.pem": PRIVATE_KEY}
    files["alipay_public.pem"] = ALIPAY_PUBLIC_KEY
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    app = f"{APPID}:{tmp_path / 'app_public.pem'}"
    with emulator_process(tmp_path, "--app", ":".join(MINI), "--alipay-app", app) as url:
        env = {
            **PRODUCTION,
            "WXSESSION_WECHAT_API_BASE": url,
            "WXSESSION_ALIPAY_API_BASE": f"{url}/alipay",
            "WXSESSION_ALIPAY_PRIVATE_KEY": str(tmp_path / "app_private.pem"),
            "WXSESSION_ALIPAY_PUBLIC_KEY": str(tmp_path / "alipay_public.pem"),
        }
        with serving(tmp_path, **env) as (_, http):
            issued = httpx.post(
                f"{url}/_emulator/login", json={"appid": APPID, "user": "li", "platform": "alipay"}
            )
            login = http.post("/v1/auth/alipay/login", json={"code": issued.json()["code"]})
            assert login.status_code == 200, login.text
            me = http.get(
                "/v1/me", headers={"Authorization": f"Bearer {login.json()['session_id']}"}
            )
            assert me.json()["id"] == login.json()["user"]["id"]

        # The emulator checks each call against the registered key: another key's is refused.
        code = httpx.post(f"{url}/_emulator/login", json={"appid": APPID, "user": "li"}).json()
        forged = wire.token_request(
            APPID, private_key(OTHER_PRIVATE_KEY), code["code"], time.time()
        )
        answer = httpx.post(f"{url}/alipay/gateway.do", params=dict(forged.params)).json()
        assert answer["error_response"]["sub_code"] == "isv.invalid-signature"


def test_the_emulator_help_says_what_an_alipay_app_carries(tmp_path: Path) -> None:
    result = run_cli("emulator", "--help", cwd=tmp_path)
    assert "--alipay-app APPID:PUBLIC_KEY" in result.stdout
