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

from tests.server.conftest import APPID, Service
from tests.server.test_session_key_at_rest import stored_session_key
from wxsession.wechat import crypto

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
    signature = service.emulator.sign(APPID, openid(service, "amy"), RAW)

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
    bobs = service.emulator.sign(APPID, openid(service, "bob"), RAW)
    other = service.post("/v1/wechat/verify", token, json={"rawData": RAW, "signature": bobs})
    assert code(other) == "WECHAT_SIGNATURE_INVALID"


def test_decrypt_what_wechat_encrypted(service: Service) -> None:
    token = service.session_for("amy")
    encrypted, iv = service.emulator.encrypt_for(APPID, openid(service, "amy"), PHONE)

    ok = service.post("/v1/wechat/decrypt", token, json={"encryptedData": encrypted, "iv": iv})
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert {k: body[k] for k in PHONE} == PHONE
    assert body["watermark"]["appid"] == APPID
    assert ok.headers["content-type"].startswith("application/json")


def test_each_kind_of_bad_encrypted_data_has_its_own_400(service: Service) -> None:
    token = service.session_for("amy")
    who = openid(service, "amy")
    key = service.emulator.session_key_for(APPID, who)
    assert key is not None
    good, iv = service.emulator.encrypt_for(APPID, who, PHONE)

    def decrypt(encrypted: str, iv: str = iv) -> httpx.Response:
        return service.post(
            "/v1/wechat/decrypt", token, json={"encryptedData": encrypted, "iv": iv}
        )

    assert code(decrypt("%%% not base64 %%%")) == "WECHAT_DATA_MALFORMED"
    assert code(decrypt(good, iv="AAAA")) == "WECHAT_DATA_MALFORMED"
    assert code(decrypt(good[:-8])) == "WECHAT_DATA_MALFORMED"

    raw_iv = base64.b64decode(iv)
    encryptor = Cipher(algorithms.AES(base64.b64decode(key)), modes.CBC(raw_iv)).encryptor()
    bad_pad = encryptor.update(b"{}" + b"\x00" * 30) + encryptor.finalize()
    assert code(decrypt(base64.b64encode(bad_pad).decode())) == "WECHAT_DECRYPT_FAILED"

    not_json = crypto.encrypt("这不是 JSON".encode(), key, raw_iv)
    assert code(decrypt(not_json)) == "WECHAT_DATA_INVALID"
    nan = crypto.encrypt(b'{"watermark": {"appid": "%s"}, "x": NaN}' % APPID.encode(), key, raw_iv)
    assert code(decrypt(nan)) == "WECHAT_DATA_INVALID"

    foreign = dict(PHONE, watermark={"appid": "wx0123456789abcdef", "timestamp": 1})
    theirs, their_iv = service.emulator.encrypt_for(APPID, who, foreign)
    assert code(decrypt(theirs, their_iv)) == "WECHAT_WATERMARK_MISMATCH"


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


def test_stale_watermark_when_a_max_age_is_set(make_service: Any) -> None:
    service: Service = make_service(wechat_data_max_age=300)
    token = service.session_for("amy")
    encrypted, iv = service.emulator.encrypt_for(APPID, openid(service, "amy"), PHONE)
    body = {"encryptedData": encrypted, "iv": iv}
    assert service.post("/v1/wechat/decrypt", token, json=body).status_code == 200
    service.clock.advance(301)
    assert code(service.post("/v1/wechat/decrypt", token, json=body)) == "WECHAT_DATA_STALE"


def test_the_newest_session_key_is_used_not_the_presented_sessions(service: Service) -> None:
    first = service.session_for("amy")
    who = openid(service, "amy")
    old_signature = service.emulator.sign(APPID, who, RAW)
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
            json={"rawData": RAW, "signature": service.emulator.sign(APPID, who, RAW)},
        )
        assert fresh.status_code == 200
    for response in (service.login("amy"), service.get("/v1/me", second)):
        assert old_key not in response.text and str(new_key) not in response.text


def test_a_key_wechat_rotated_asks_for_a_new_login(service: Service) -> None:
    token = service.session_for("amy")
    who = openid(service, "amy")
    service.emulator.rotate_session_key(APPID, who)  # wx.login() whose code never reached us
    signature = service.emulator.sign(APPID, who, RAW)
    encrypted, iv = service.emulator.encrypt_for(APPID, who, PHONE)

    refused = service.post(
        "/v1/wechat/verify", token, json={"rawData": RAW, "signature": signature}
    )
    assert code(refused) == "WECHAT_SIGNATURE_INVALID"
    assert "wx.login()" in refused.json()["error"]["message"]
    undecryptable = service.post(
        "/v1/wechat/decrypt", token, json={"encryptedData": encrypted, "iv": iv}
    )
    # A wrong key fails the padding check, or (about 1 time in 256) unpads into garbage.
    assert code(undecryptable) in {"WECHAT_DECRYPT_FAILED", "WECHAT_DATA_INVALID"}

    token = service.session_for("amy")  # the client logs in again, as told
    encrypted, iv = service.emulator.encrypt_for(APPID, who, PHONE)
    ok = service.post("/v1/wechat/decrypt", token, json={"encryptedData": encrypted, "iv": iv})
    assert ok.status_code == 200


def test_no_session_key_on_record_asks_for_a_new_login(service: Service) -> None:
    token = service.session_for("amy")
    signature = service.emulator.sign(APPID, openid(service, "amy"), RAW)
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
    signature = service.emulator.sign(APPID, openid(service, "amy"), RAW)
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
