"""Phone codes in real mode: `wxsession serve` with an SMS vendor configured, its API base on
a separate `wxsession emulator` process, for each vendor: the code arrives in the emulator's
outbox through the vendor's signed API; a wrong secret is 502 SMS_MISCONFIGURED and a vendor
that is down 503 SENDER_UNAVAILABLE, neither storing a code; no secret, number or code in the
server's output."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.cli import TEST_DATA_KEYS, emulator_process, serving
from wxsession.messaging import sms_aliyun, sms_tencent

PHONE = "+8613800138000"


def sms_settings(vendor: str, emulator_url: str, secret: str | None = None) -> dict[str, str]:
    """Real-mode settings sending phone codes through ``vendor`` on the emulator (which knows
    the public dev credentials)."""
    env = {
        "WXSESSION_APPID": "wx5e1f0c3a9b7d2e46",
        "WXSESSION_SECRET": "real-mode-mini-secret",
        "WXSESSION_DATA_KEYS": TEST_DATA_KEYS,
        "WXSESSION_WECHAT_API_BASE": emulator_url,
        "WXSESSION_SMS_VENDOR": vendor,
        "WXSESSION_SMS_SIGN_NAME": "测试签名",
        "WXSESSION_SMS_TEMPLATE_CODE": "1110" if vendor == "tencent" else "SMS_1110",
    }
    if vendor == "tencent":
        return env | {
            "WXSESSION_SMS_TENCENT_SECRET_ID": sms_tencent.DEV_SECRET_ID,
            "WXSESSION_SMS_TENCENT_SECRET_KEY": secret or sms_tencent.DEV_SECRET_KEY,
            "WXSESSION_SMS_TENCENT_SDK_APP_ID": sms_tencent.DEV_SDK_APP_ID,
            "WXSESSION_SMS_TENCENT_API_BASE": emulator_url + sms_tencent.DEV_PREFIX,
        }
    return env | {
        "WXSESSION_SMS_ALIYUN_ACCESS_KEY_ID": sms_aliyun.DEV_ACCESS_KEY_ID,
        "WXSESSION_SMS_ALIYUN_ACCESS_KEY_SECRET": secret or sms_aliyun.DEV_ACCESS_KEY_SECRET,
        "WXSESSION_SMS_ALIYUN_API_BASE": emulator_url + sms_aliyun.DEV_PREFIX,
    }


def _outbox(emulator_url: str) -> list[dict[str, object]]:
    answer = httpx.get(f"{emulator_url}/_emulator/outbox", params={"to": PHONE})
    assert answer.status_code == 200, answer.text
    messages: list[dict[str, object]] = answer.json()["messages"]
    return messages


@pytest.mark.parametrize("vendor", ["tencent", "aliyun"])
def test_a_phone_code_goes_through_the_vendor(tmp_path: Path, vendor: str) -> None:
    with (
        emulator_process(tmp_path) as emulator_url,
        serving(tmp_path, **sms_settings(vendor, emulator_url)) as (server, http),
    ):
        sent = http.post("/v1/auth/codes", json={"phone": PHONE, "purpose": "login"})
        assert sent.status_code == 202, sent.text
        [message] = _outbox(emulator_url)
        code = message["code"]
        assert (message["via"], message["channel"]) == (vendor, "sms")
        assert isinstance(code, str) and len(code) == 6
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert "DEV MODE" not in output
    for secret in (
        code,
        "13800138000",
        sms_tencent.DEV_SECRET_KEY,
        sms_aliyun.DEV_ACCESS_KEY_SECRET,
    ):
        assert secret not in output


@pytest.mark.parametrize("vendor", ["tencent", "aliyun"])
def test_refused_credentials_are_502_and_nothing_is_sent(tmp_path: Path, vendor: str) -> None:
    with (
        emulator_process(tmp_path) as emulator_url,
        serving(tmp_path, **sms_settings(vendor, emulator_url, "wrong-secret")) as (server, http),
    ):
        sent = http.post("/v1/auth/codes", json={"phone": PHONE, "purpose": "login"})
        assert sent.status_code == 502, sent.text
        assert sent.json()["error"]["code"] == "SMS_MISCONFIGURED"
        assert _outbox(emulator_url) == []
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert "wrong-secret" not in output
    assert "SMS_MISCONFIGURED" in output or "refused a send" in output


def test_a_vendor_down_is_503_and_the_next_send_works(tmp_path: Path) -> None:
    with (
        emulator_process(tmp_path) as emulator_url,
        serving(tmp_path, **sms_settings("tencent", emulator_url)) as (_, http),
    ):
        down = {"status": 503, "count": 1, "path": sms_tencent.DEV_PREFIX + "/"}
        assert httpx.post(f"{emulator_url}/_emulator/faults", json=down).status_code == 200
        sent = http.post("/v1/auth/codes", json={"phone": PHONE, "purpose": "login"})
        assert sent.status_code == 503, sent.text
        assert sent.json()["error"]["code"] == "SENDER_UNAVAILABLE"
        assert _outbox(emulator_url) == []
        again = http.post("/v1/auth/codes", json={"phone": PHONE, "purpose": "login"})
        assert again.status_code == 202, again.text  # the failed send kept no quota
        assert len(_outbox(emulator_url)) == 1
