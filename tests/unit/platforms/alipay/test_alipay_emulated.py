"""The emulator's Alipay gateway: what it refuses before a code is looked at, and that every
answer it signs checks with the public key the service is told is Alipay's."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.alipay import ALIPAY, APP_PRIVATE_KEY, APP_PUBLIC_KEY, OTHER_PRIVATE_KEY
from tests.support.clock import MovableClock
from wxsession.emulator import Emulator
from wxsession.platforms.alipay import emulated, wire
from wxsession.platforms.alipay.dev_keys import EMULATOR_PUBLIC_KEY
from wxsession.platforms.alipay.keys import private_key, public_key

APPID = ALIPAY[0]
APP_KEY = private_key(APP_PRIVATE_KEY)
ALIPAY_KEY = public_key(EMULATOR_PUBLIC_KEY)


def emulator(registered: str | None = APP_PUBLIC_KEY) -> Emulator:
    apps = {"alipay": {APPID: registered}} if registered is not None else None
    return Emulator(platform_apps=apps, clock=MovableClock())


def call(
    emu: Emulator, *, at: float | None = None, key: Any = APP_KEY, **changes: str
) -> dict[str, Any]:
    """The gateway's answer to a token call (``changes`` made before it is signed)."""
    code = emu.issue_code(APPID, "alice", "alipay")
    params = dict(wire.token_request(APPID, key, code, at or emu.clock()).params)
    params.update(changes)
    params["sign"] = wire.sign(params, key)
    return emulated.token(emu, params)


def sub_code(answer: dict[str, Any]) -> str:
    found: str = answer["error_response"]["sub_code"]
    return found


def test_every_answer_is_signed_over_the_text_it_is_sent_as() -> None:
    for answer in (call(emulator()), call(emulator(), grant_type="refresh_token")):
        member = next(name for name in answer if name != "sign")
        text = json.dumps(answer[member])
        assert text in json.dumps(answer)
        assert wire.verifies(text, answer["sign"], ALIPAY_KEY)


def test_a_good_call_gets_both_ids() -> None:
    emu = emulator()
    content = call(emu)[wire.RESPONSE_KEY]
    assert content["open_id"] == emu.openid_for(APPID, "alice")
    assert content["user_id"].startswith("2088") and len(content["user_id"]) == 16


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"sign_type": "RSA"}, "isv.invalid-signature-type"),
        ({"grant_type": "refresh_token"}, "isv.invalid-parameter"),
        ({"method": "alipay.user.info.share"}, "isv.invalid-method"),
        ({"app_id": "2021009999999999"}, "isv.invalid-app-id"),
        ({"code": "0" * 32}, "isv.code-invalid"),
    ],
)
def test_what_the_gateway_refuses(changes: dict[str, str], expected: str) -> None:
    assert sub_code(call(emulator(), **changes)) == expected


def test_an_unknown_app_is_answered_unsigned() -> None:
    assert "sign" not in call(emulator(), app_id="2021009999999999")


def test_a_call_signed_by_another_key_is_refused() -> None:
    assert sub_code(call(emulator(), key=private_key(OTHER_PRIVATE_KEY))) == "isv.invalid-signature"


def test_the_timestamp_is_beijing_time() -> None:
    """A UTC timestamp is eight hours off: refused, so the service's Beijing time is proved."""
    emu = emulator()
    assert sub_code(call(emu, at=emu.clock() - 8 * 3600)) == "isv.invalid-timestamp"
    assert wire.RESPONSE_KEY in call(emu, at=emu.clock() - 60)


def test_an_app_registered_with_its_private_key_is_checked_with_its_public_half() -> None:
    assert wire.RESPONSE_KEY in call(emulator(APP_PRIVATE_KEY))
    assert sub_code(call(emulator(APP_PRIVATE_KEY), key=private_key(OTHER_PRIVATE_KEY))) == (
        "isv.invalid-signature"
    )


def test_a_registered_key_that_does_not_load_is_a_missing_key() -> None:
    assert sub_code(call(emulator("not-a-key"))) == "isv.missing-signature-key"


def test_with_no_app_registered_any_app_is_taken_unchecked() -> None:
    assert wire.RESPONSE_KEY in call(emulator(None), key=private_key(OTHER_PRIVATE_KEY))


def test_forced_errors_come_in_the_gateways_shape() -> None:
    busy = emulated.forced_error(20000)
    assert busy["error_response"]["sub_code"] == "isp.unknow-error"
    assert wire.verifies(json.dumps(busy["error_response"]), busy["sign"], ALIPAY_KEY)
    assert emulated.forced_error(12345)["error_response"]["code"] == "12345"
