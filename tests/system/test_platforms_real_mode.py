"""Every login platform of the list in real mode: `wxsession serve` with real-looking
credentials, its API bases on a separate `wxsession emulator` process (registered with the
same apps through each platform's own option), logs a user in over HTTP and serves /v1/me;
a browser login (a spec with ``web``) through its authorize page and callback."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.alipay import ALIPAY_PUBLIC_KEY, APP_PRIVATE_KEY
from tests.support.cli import ENV_WITHOUT_WXSESSION, TEST_DATA_KEYS, serving
from tests.support.web_login import SESSION_COOKIE, STATE_COOKIE, cookie_header, cookie_value
from wxsession.platforms import OTHERS
from wxsession.platforms.spec import PlatformSpec
from wxsession.server.background import free_port

MINI = ("wx5e1f0c3a9b7d2e46", "real-mode-mini-secret")
KEYS = {"alipay": APP_PRIVATE_KEY}
"""Secrets that are keys: the app's private key (the emulator checks with its public half)."""
OPTIONS = {"alipay": {"WXSESSION_ALIPAY_PUBLIC_KEY": ALIPAY_PUBLIC_KEY}}
"""Settings a platform needs beside its app: Alipay's public key, the emulator's here."""
PUBLIC = "https://login.example.com"


def app_of(spec: PlatformSpec) -> tuple[str, str]:
    """A made-up app of ``spec``'s platform (not its dev app: this is real mode)."""
    secret = KEYS.get(spec.name, f"real-mode-{spec.name}-secret")
    return f"real{spec.name.replace('_', '')}app01", secret


@contextmanager
def emulator_process(tmp_path: Path) -> Iterator[str]:
    """`wxsession emulator` with the mini program and one app of every other platform."""
    port = free_port()
    options = [f"--app={MINI[0]}:{MINI[1]}"]
    options += [f"--{spec.emulator_flag}={':'.join(app_of(spec))}" for spec in OTHERS]
    process = subprocess.Popen(
        [sys.executable, "-m", "wxsession.cli", "emulator", "--port", str(port), *options],
        cwd=tmp_path,
        env=ENV_WITHOUT_WXSESSION,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
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
                assert time.monotonic() < deadline, "wxsession emulator did not come up"
                time.sleep(0.05)
        yield url
    finally:
        process.kill()
        process.wait(timeout=10)


def real_settings(emulator_url: str) -> dict[str, str]:
    env = {
        "WXSESSION_APPID": MINI[0],
        "WXSESSION_SECRET": MINI[1],
        "WXSESSION_DATA_KEYS": TEST_DATA_KEYS,
        "WXSESSION_WECHAT_API_BASE": emulator_url,
        # Browser logins: the session cookie, and where the platform sends browsers back.
        "WXSESSION_CARRIERS": "header,cookie",
        "WXSESSION_PUBLIC_URL": PUBLIC,
    }
    for spec in OTHERS:
        fields, (appid, secret) = spec.settings, app_of(spec)
        prefix = spec.dev.prefix if spec.dev is not None else ""
        env[fields.env(fields.appid)] = appid
        env[fields.env(fields.secret)] = secret
        env[fields.env(fields.api_base)] = emulator_url + prefix
        env |= OPTIONS.get(spec.name, {})
        for option in fields.options:
            if option.name == "authorize_base":  # a browser login's page, on the emulator too
                env[fields.env(option.field)] = emulator_url + prefix
    return env


@pytest.mark.parametrize(
    "spec", [s for s in OTHERS if s.emulator_flag and not s.web], ids=lambda s: s.name
)
def test_a_platform_logs_in_against_a_separate_emulator(tmp_path: Path, spec: PlatformSpec) -> None:
    with (
        emulator_process(tmp_path) as emulator_url,
        serving(tmp_path, **real_settings(emulator_url)) as (server, http),
    ):
        appid = app_of(spec)[0]
        issued = httpx.post(
            f"{emulator_url}/_emulator/login",
            json={"appid": appid, "user": "ren", "platform": spec.name},
        )
        code = issued.json()["code"]
        login = http.post(f"/v1/auth/{spec.name}/login", json={"code": code})
        assert login.status_code == 200, login.text
        auth = {"Authorization": f"Bearer {login.json()['session_id']}"}
        assert http.get("/v1/me", headers=auth).status_code == 200
        again = http.post(f"/v1/auth/{spec.name}/login", json={"code": code})
        assert again.status_code == 401  # the code was spent at the platform
        assert http.post("/_emulator/login", json={"user": "x"}).status_code == 404
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert "DEV MODE" not in output
    assert app_of(spec)[1] not in output


@pytest.mark.parametrize("spec", [s for s in OTHERS if s.web], ids=lambda s: s.name)
def test_a_browser_login_works_against_a_separate_emulator(
    tmp_path: Path, spec: PlatformSpec
) -> None:
    with (
        emulator_process(tmp_path) as emulator_url,
        serving(tmp_path, **real_settings(emulator_url)) as (server, http),
    ):
        authorize = http.get(f"/v1/auth/{spec.name}/authorize", params={"return_to": "/v1/me"})
        assert authorize.status_code == 302, authorize.text
        page = httpx.URL(authorize.headers["location"].split("#")[0])
        assert str(page).startswith(emulator_url)
        back = httpx.get(page.copy_merge_params({"user": "ren"})).headers["location"]
        assert back.startswith(f"{PUBLIC}/v1/auth/{spec.name}/callback?")
        state = cookie_header({STATE_COOKIE: cookie_value(authorize, STATE_COOKIE)})
        callback = http.get(back.removeprefix(PUBLIC), headers={"Cookie": state})
        assert callback.status_code == 302, callback.text
        session = cookie_header({SESSION_COOKIE: cookie_value(callback, SESSION_COOKIE)})
        assert http.get("/v1/me", headers={"Cookie": session}).status_code == 200
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert "DEV MODE" not in output
    assert app_of(spec)[1] not in output
