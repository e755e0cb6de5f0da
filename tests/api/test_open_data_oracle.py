"""The open-data routes are no oracle (issue 19; ASVS 4.0.3 6.2.1, 2.2.1, 11.1.4).

The attack runs for real: a signed-in user takes a block of ciphertext the emulator made
under their session_key and probes ``POST /v1/wechat/decrypt`` with every value of the iv's
last byte, as the classic CBC padding-oracle attack does to learn a plaintext byte. The
server must give 256 byte-identical answers, though one of the guesses has valid padding.
Failed checks are throttled per user, on the Redis counters and on the SQL ones.
"""

from __future__ import annotations

import base64
import logging
import secrets
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.support.service import APPID, Service, error_code_of
from wxsession.platforms.wechat.emulated import encrypt_for, sign

DECRYPT = "/v1/wechat/decrypt"
VERIFY = "/v1/wechat/verify"
PHONE = {"phoneNumber": "+86 13800138000", "purePhoneNumber": "13800138000", "countryCode": "86"}
PER_REQUEST = {"date", "x-request-id"}
"""Headers that differ between any two answers, whatever the request."""


def _answer(response: httpx.Response) -> tuple[int, tuple[tuple[str, str], ...], bytes]:
    """Everything an attacker sees of an answer, less what changes with every request."""
    headers = tuple(
        sorted((k.lower(), v) for k, v in response.headers.items() if k.lower() not in PER_REQUEST)
    )
    return response.status_code, headers, response.content


def _valid_padding(key: bytes, iv: bytes, block: bytes) -> bool:
    """What the attacker wants to learn: does ``iv || block`` decrypt to valid PKCS#7?"""
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    plain = decryptor.update(block) + decryptor.finalize()
    pad = plain[-1]
    return 1 <= pad <= 16 and plain[-pad:] == bytes([pad]) * pad


def test_the_last_byte_padding_oracle_probe_learns_nothing(make_service: Any) -> None:
    service: Service = make_service(wechat_data_failures=1000)  # the probe, not the throttle
    token = service.session_for("mallory")
    who = service.emulator.issued_for("mallory", APPID).openid
    encrypted, _ = encrypt_for(service.emulator, APPID, who, PHONE)
    target = base64.b64decode(encrypted)[:16]  # the block whose plaintext the attack wants
    prefix = secrets.token_bytes(15)

    answers: dict[int, tuple[int, tuple[tuple[str, str], ...], bytes]] = {}
    for guess in range(256):
        iv = base64.b64encode(prefix + bytes([guess])).decode()
        body = {"encryptedData": base64.b64encode(target).decode(), "iv": iv}
        answers[guess] = _answer(service.post(DECRYPT, token, json=body))

    key = base64.b64decode(service.emulator.session_key_for(APPID, who) or "")
    padded = {g for g in range(256) if _valid_padding(key, prefix + bytes([g]), target)}
    assert padded, "the probe holds a valid-padding guess: an oracle would single it out"
    # The attacker's step: the guesses whose answer differs from the rest. There are none.
    assert len(set(answers.values())) == 1
    status, headers, content = answers[0]
    assert status == 400
    assert httpx.Response(status, content=content).json()["error"]["code"] == (
        "WECHAT_DATA_INVALID"
    )
    assert "retry-after" not in dict(headers)


def _retry_after(response: httpx.Response, window: int) -> int:
    assert response.status_code == 429, response.text
    assert error_code_of(response) == "RATE_LIMITED"
    wait = int(response.headers["retry-after"])
    assert 1 <= wait <= window + 1
    return wait


def test_failed_checks_are_throttled_per_user_then_429_with_retry_after(
    make_service: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    service: Service = make_service(wechat_data_failures=3, wechat_data_failure_window=600)
    token = service.session_for("mallory")
    who = service.emulator.issued_for("mallory", APPID).openid

    def genuine() -> dict[str, str]:
        encrypted, iv = encrypt_for(service.emulator, APPID, who, PHONE)
        return {"encryptedData": encrypted, "iv": iv}

    raw = '{"nickName":"微信用户"}'
    for _ in range(5):  # successes give their slot back: only failures count
        assert service.post(DECRYPT, token, json=genuine()).status_code == 200
        signed = {"rawData": raw, "signature": sign(service.emulator, APPID, who, raw)}
        assert service.post(VERIFY, token, json=signed).status_code == 200

    tampered = dict(genuine(), iv=base64.b64encode(bytes(16)).decode())
    failures = [
        (DECRYPT, tampered),
        (VERIFY, {"rawData": raw, "signature": "0" * 40}),
        (DECRYPT, {"encryptedData": "AAAA", "iv": "AAAA"}),  # malformed counts too
    ]
    for path, body in failures:
        assert service.post(path, token, json=body).status_code == 400

    # The window is full: refused before any check, genuine data and signatures included,
    # and a new login (a new session_key) does not hand out a fresh quota.
    _retry_after(service.post(DECRYPT, token, json=genuine()), 600)
    signed = {"rawData": raw, "signature": sign(service.emulator, APPID, who, raw)}
    _retry_after(service.post(VERIFY, token, json=signed), 600)
    token = service.session_for("mallory")
    signed = {"rawData": raw, "signature": sign(service.emulator, APPID, who, raw)}
    _retry_after(service.post(VERIFY, token, json=signed), 600)
    events = [r for r in caplog.records if r.__dict__.get("event") == "wechat_data_throttled"]
    assert len(events) == 3
    for event in events:
        assert event.__dict__["audit"]["user"] == service.get("/v1/me", token).json()["id"]
        assert event.__dict__["audit"]["retry_after"] > 0
        assert who not in event.getMessage()
    refusals = [  # and in the audit table, which the user sees as their activity
        (e["outcome"], e["reason"])
        for e in service.get("/v1/me/activity", token).json()["events"]
        if e["event"] == "wechat_data_throttled"
    ]
    assert refusals == [("throttled", "RATE_LIMITED")] * 3

    # Another user is not affected.
    other = service.session_for("amy")
    amys = service.emulator.issued_for("amy", APPID).openid
    encrypted, iv = encrypt_for(service.emulator, APPID, amys, PHONE)
    assert service.post(DECRYPT, other, json={"encryptedData": encrypted, "iv": iv}).is_success

    if service.settings.session_store == "sql":  # SQL counters follow the server's clock
        service.clock.advance(601)
        assert service.post(DECRYPT, token, json=genuine()).status_code == 200
