"""Open data over HTTP: the emulator signs and encrypts with the session_key it issued (as
WeChat does for a real client), the server checks and decrypts with the newest key it holds.
Every case runs on a real server, on SQLite and on Redis + PostgreSQL."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.api.test_session_key_at_rest import stored_session_key
from tests.support.service import APPID, Service
from wxsession.platforms.wechat import crypto
from wxsession.platforms.wechat.emulated import encrypt_for, sign

RAW = json.dumps({"nickName": "微信用户", "gender": 0, "language": "zh_CN"}, ensure_ascii=False)
PHONE = {"phoneNumber": "+86 13800138000", "purePhoneNumber": "13800138000", "countryCode": "86"}


def openid(service: Service, user: str) -> str:
    return service.emulator.issued_for(user, APPID).openid


def code(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    found: str = response.json()["error"]["code"]
    return found


def test_verify_a_signature_from_wechat(service: Service) -> None:
    token = service.session_for("amy")
    signature = sign(service.emulator, APPID, openid(service, "amy"), RAW)

    ok = service.post("/v1/wechat/verify", token, json={"rawData": RAW, "signature": signature})
    assert ok.status_code == 200
    assert ok.json() == {"valid": True}

    tampered = RAW.replace('"gender": 0', '"gender": 1')
    refused = service.post(
        "/v1/wechat/verify", token, json={"rawData": tampered, "signature": signature}
    )
    assert code(refused) == "WECHAT_SIGNATURE_INVALID"
    # Another user's signature does not pass for this one.
    service.session_for("bob")
    bobs = sign(service.emulator, APPID, openid(service, "bob"), RAW)
    other = service.post("/v1/wechat/verify", token, json={"rawData": RAW, "signature": bobs})
    assert code(other) == "WECHAT_SIGNATURE_INVALID"


def test_decrypt_what_wechat_encrypted(service: Service) -> None:
    token = service.session_for("amy")
    encrypted, iv = encrypt_for(service.emulator, APPID, openid(service, "amy"), PHONE)

    ok = service.post("/v1/wechat/decrypt", token, json={"encryptedData": encrypted, "iv": iv})
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert {k: body[k] for k in PHONE} == PHONE
    assert body["watermark"]["appid"] == APPID
    assert ok.headers["content-type"].startswith("application/json")


def test_every_refusal_after_the_shape_check_is_one_answer(service: Service) -> None:
    """Bad padding, bad UTF-8, bad JSON, a repeated key, another app's watermark, another
    user's openId: one status, one body, byte for byte. Only the shape is told apart."""
    token = service.session_for("amy")
    who = openid(service, "amy")
    key = service.emulator.session_key_for(APPID, who)
    assert key is not None
    good, iv = encrypt_for(service.emulator, APPID, who, PHONE)
    raw_iv = base64.b64decode(iv)

    def decrypt(encrypted: str, iv: str = iv) -> httpx.Response:
        return service.post(
            "/v1/wechat/decrypt", token, json={"encryptedData": encrypted, "iv": iv}
        )

    assert code(decrypt("%%% not base64 %%%")) == "WECHAT_DATA_MALFORMED"
    assert code(decrypt(good, iv="AAAA")) == "WECHAT_DATA_MALFORMED"
    assert code(decrypt(good[:-8])) == "WECHAT_DATA_MALFORMED"

    encryptor = Cipher(algorithms.AES(base64.b64decode(key)), modes.CBC(raw_iv)).encryptor()
    bad_pad = encryptor.update(b"{}" + b"\x00" * 30) + encryptor.finalize()
    watermark = b'"watermark": {"appid": "%s", "timestamp": %d}' % (
        APPID.encode(),
        int(service.clock()),
    )
    foreign = dict(PHONE, watermark={"appid": "wx0123456789abcdef", "timestamp": 1})
    refused = [
        decrypt(base64.b64encode(bad_pad).decode()),
        decrypt(crypto.encrypt("这不是 JSON".encode("gbk"), key, raw_iv)),
        decrypt(crypto.encrypt(b"{" + watermark + b', "x": NaN}', key, raw_iv)),
        decrypt(crypto.encrypt(b'{"x": 1, ' + watermark + b', "x": 2}', key, raw_iv)),
        decrypt(*encrypt_for(service.emulator, APPID, who, foreign)),
        decrypt(*encrypt_for(service.emulator, APPID, who, {"openId": openid_of_bob(service)})),
    ]
    assert {(r.status_code, r.content) for r in refused} == {(400, refused[0].content)}
    assert code(refused[0]) == "WECHAT_DATA_INVALID"
    assert decrypt(good).status_code == 200


def openid_of_bob(service: Service) -> str:
    service.session_for("bob")
    return openid(service, "bob")


def test_a_first_block_rewritten_through_the_iv_is_refused(service: Service) -> None:
    """CBC lets whoever holds a genuine ciphertext pick the first 16 plaintext bytes through
    the iv. WeChat's own invariants catch what that can reach: the openId (its first five
    characters share the first block) and the phone number's key."""
    token = service.session_for("amy")
    who = openid(service, "amy")

    def rewritten(payload: dict[str, Any], first: bytes) -> httpx.Response:
        encrypted, iv = encrypt_for(service.emulator, APPID, who, payload)
        plaintext = json.dumps(
            {**payload, "watermark": {"appid": APPID, "timestamp": int(service.clock())}},
            ensure_ascii=False,
        ).encode()
        assert len(first) == 16
        mask = bytes(a ^ b for a, b in zip(plaintext[:16], first, strict=True))
        forged_iv = bytes(a ^ b for a, b in zip(base64.b64decode(iv), mask, strict=True))
        return service.post(
            "/v1/wechat/decrypt",
            token,
            json={"encryptedData": encrypted, "iv": base64.b64encode(forged_iv).decode()},
        )

    user_info = {"openId": who, "nickName": "微信用户"}
    # Rewriting the first block to itself: the genuine data, accepted.
    assert rewritten(user_info, json.dumps(user_info).encode()[:16]).status_code == 200
    assert code(rewritten(user_info, b'{"openId": "zzzz')) == "WECHAT_DATA_INVALID"
    # {"phoneNumber": " -> {"p": "+1", "x": ": the number moves to "x", away from its key.
    assert code(rewritten(PHONE, b'{"p": "+1", "x":')) == "WECHAT_DATA_INVALID"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/wechat/verify", {"rawData": RAW}),
        ("/v1/wechat/verify", {"rawData": RAW, "signature": "x" * 65}),
        ("/v1/wechat/decrypt", {"encryptedData": "AAAA"}),
        ("/v1/wechat/decrypt", {"encryptedData": "AAAA", "iv": "AAAA", "session_key": "x"}),
    ],
)
def test_incomplete_bodies_are_422(service: Service, path: str, body: dict[str, Any]) -> None:
    token = service.session_for("amy")
    response = service.post(path, token, json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_a_stale_watermark_is_refused_by_default(service: Service) -> None:
    assert service.settings.wechat_data_max_age == 600
    token = service.session_for("amy")
    encrypted, iv = encrypt_for(service.emulator, APPID, openid(service, "amy"), PHONE)
    body = {"encryptedData": encrypted, "iv": iv}
    assert service.post("/v1/wechat/decrypt", token, json=body).status_code == 200
    service.clock.advance(601)
    assert code(service.post("/v1/wechat/decrypt", token, json=body)) == "WECHAT_DATA_INVALID"


def test_the_newest_session_key_is_used_not_the_presented_sessions(service: Service) -> None:
    first = service.session_for("amy")
    who = openid(service, "amy")
    old_signature = sign(service.emulator, APPID, who, RAW)
    old_key = service.emulator.session_key_for(APPID, who)
    second = service.session_for("amy")  # a new wx.login(): WeChat issued a new key
    new_key = service.emulator.session_key_for(APPID, who)
    assert new_key != old_key

    assert stored_session_key(service, who) == new_key
    for token in (first, second):
        stale = service.post(
            "/v1/wechat/verify", token, json={"rawData": RAW, "signature": old_signature}
        )
        assert code(stale) == "WECHAT_SIGNATURE_INVALID"
        fresh = service.post(
            "/v1/wechat/verify",
            token,
            json={"rawData": RAW, "signature": sign(service.emulator, APPID, who, RAW)},
        )
        assert fresh.status_code == 200
    for response in (service.login("amy"), service.get("/v1/me", second)):
        assert old_key not in response.text and str(new_key) not in response.text


def test_a_key_wechat_rotated_asks_for_a_new_login(service: Service) -> None:
    token = service.session_for("amy")
    who = openid(service, "amy")
    service.emulator.rotate_session_key(APPID, who)  # wx.login() whose code never reached us
    signature = sign(service.emulator, APPID, who, RAW)
    encrypted, iv = encrypt_for(service.emulator, APPID, who, PHONE)

    refused = service.post(
        "/v1/wechat/verify", token, json={"rawData": RAW, "signature": signature}
    )
    assert code(refused) == "WECHAT_SIGNATURE_INVALID"
    assert "wx.login()" in refused.json()["error"]["message"]
    undecryptable = service.post(
        "/v1/wechat/decrypt", token, json={"encryptedData": encrypted, "iv": iv}
    )
    # A wrong key fails the padding check, or (about 1 time in 256) unpads into garbage:
    # the same answer either way.
    assert code(undecryptable) == "WECHAT_DATA_INVALID"
    assert "wx.login()" in undecryptable.json()["error"]["message"]

    token = service.session_for("amy")  # the client logs in again, as told
    encrypted, iv = encrypt_for(service.emulator, APPID, who, PHONE)
    ok = service.post("/v1/wechat/decrypt", token, json={"encryptedData": encrypted, "iv": iv})
    assert ok.status_code == 200


def test_no_session_key_on_record_asks_for_a_new_login(service: Service) -> None:
    token = service.session_for("amy")
    signature = sign(service.emulator, APPID, openid(service, "amy"), RAW)
    service.sql_execute(  # a row from before 0003, or whose plaintext key 0007 dropped
        "UPDATE identities SET session_key_sealed = NULL, session_key_kid = NULL"
    )
    for path, body in [
        ("/v1/wechat/verify", {"rawData": RAW, "signature": signature}),
        ("/v1/wechat/decrypt", {"encryptedData": "AAAA", "iv": "AAAA"}),
    ]:
        response = service.post(path, token, json=body)
        assert code(response) == "WECHAT_RELOGIN_REQUIRED"


def test_open_data_needs_a_registered_session(make_service: Any) -> None:
    service: Service = make_service(registration="explicit")
    body = {"rawData": RAW, "signature": "0" * 40}
    missing = service.post("/v1/wechat/verify", json=body)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "SESSION_MISSING"
    pending = service.login("amy").json()["session_id"]
    refused = service.post("/v1/wechat/decrypt", pending, json={"encryptedData": "A", "iv": "A"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "REGISTRATION_REQUIRED"

    # Registration stores the pending login's key: open data works right after it.
    registered = service.post("/v1/auth/register", pending, json={}).json()["session_id"]
    signature = sign(service.emulator, APPID, openid(service, "amy"), RAW)
    ok = service.post(
        "/v1/wechat/verify", registered, json={"rawData": RAW, "signature": signature}
    )
    assert ok.status_code == 200


def test_profile_from_the_fill_in_components(service: Service) -> None:
    token = service.session_for("amy")
    avatar = "https://thirdwx.qlogo.cn/mmopen/vi_32/abc/132"

    def put(body: dict[str, Any]) -> httpx.Response:
        return service.http.put(
            "/v1/me/profile", json=body, headers={"Authorization": f"Bearer {token}"}
        )

    set_both = put({"nickname": " 小明 ", "avatar_url": avatar})
    assert set_both.status_code == 200, set_both.text
    assert set_both.json()["nickname"] == "小明"
    assert set_both.json()["avatar_url"] == avatar

    assert put({"nickname": "Ming"}).json()["avatar_url"] == avatar  # left out: kept
    me = service.get("/v1/me", token).json()
    assert (me["nickname"], me["avatar_url"]) == ("Ming", avatar)
    assert put({"avatar_url": None}).json()["avatar_url"] is None  # null: cleared

    for bad in [
        {},
        {"nickname": ""},
        {"nickname": "   "},
        {"nickname": "x" * 65},
        {"nickname": "a\u0000b"},
        {"avatar_url": "http://thirdwx.qlogo.cn/a.png"},
        {"avatar_url": "javascript:alert(1)"},
        {"avatar_url": "https://"},
        {"avatar_url": "https://example.com/a b.png"},
        {"avatar_url": "https://example.com/" + "a" * 1024},
        {"nickname": "Ming", "openid": "x"},
    ]:
        refused = put(bad)
        assert refused.status_code == 422, bad
        assert refused.json()["error"]["code"] == "VALIDATION_ERROR"
    assert service.get("/v1/me", token).json()["nickname"] == "Ming"

    anonymous = service.http.put("/v1/me/profile", json={"nickname": "x"})
    assert anonymous.status_code == 401
