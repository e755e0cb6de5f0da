"""Several apps of one platform in one deployment (issue 22, section 3), on a real server
and a real emulator over HTTP: a login names its app; identities, session keys and access
tokens are each app's own; an unknown or missing appid never reaches the platform."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from tests.api.test_metrics import _samples, _value
from tests.support.service import Service, error_code_of, session_id_of
from wxsession.platforms.wechat.emulated import encrypt_for

A, B = ("wxa0000000000000a1", "secret-of-a"), ("wxb0000000000000b2", "secret-of-b")
QQ_A, QQ_B = ("1101000001", "qq-secret-a"), ("1101000002", "qq-secret-b")
PHONE = {"phoneNumber": "+86 13800138000", "purePhoneNumber": "13800138000", "countryCode": "86"}


@pytest.fixture
def several(make_service: Any) -> Service:
    """Two mini programs and two QQ apps, listed; the emulator knows exactly those."""
    service: Service = make_service(
        appid=None,
        secret=None,
        wechat_apps=f"{A[0]}:{A[1]},{B[0]}:{B[1]}",
        qq_apps=f'[{{"appid": "{QQ_A[0]}", "secret": "{QQ_A[1]}"}}, '
        f'{{"appid": "{QQ_B[0]}", "secret": "{QQ_B[1]}"}}]',
        platform_apps={"qq": dict([QQ_A, QQ_B])},
    )
    return service


def code_of(service: Service, appid: str, user: str, platform: str | None = None) -> str:
    body = {"appid": appid, "user": user} | ({"platform": platform} if platform else {})
    response = httpx.post(f"{service.emulator_url}/_emulator/login", json=body)
    response.raise_for_status()
    code: str = response.json()["code"]
    return code


def login(service: Service, appid: str, user: str, path: str = "/v1/auth/wechat/login") -> str:
    platform = "qq" if "/qq/" in path else None
    body = {"code": code_of(service, appid, user, platform), "appid": appid}
    return session_id_of(service.post(path, json=body))


@pytest.mark.parametrize(
    "path", ["/v1/auth/wechat/login", "/v1/auth/qq/login"], ids=["fast_path", "provider"]
)
def test_each_app_logs_in_and_its_identities_are_its_own(several: Service, path: str) -> None:
    first, second = (A, B) if "wechat" in path else (QQ_A, QQ_B)
    in_a = login(several, first[0], "amy", path)
    in_b = login(several, second[0], "amy", path)
    again_a = login(several, first[0], "amy", path)
    me = [several.get("/v1/me", token).json()["id"] for token in (in_a, in_b, again_a)]
    assert me[0] == me[2] != me[1]  # "amy" of app B is another person (no unionid)
    listed = several.get("/v1/me/identities", in_b).json()["identities"]
    assert [(row["provider"], row["app_id"]) for row in listed] == [(path.split("/")[3], second[0])]
    rows = several.sql_scalar("SELECT COUNT(DISTINCT app_id) FROM identities")
    assert rows == 2


@pytest.mark.parametrize(
    "path", ["/v1/auth/wechat/login", "/v1/auth/qq/login"], ids=["fast_path", "provider"]
)
def test_an_unknown_or_missing_appid_never_reaches_the_platform(
    several: Service, path: str
) -> None:
    known = A[0] if "wechat" in path else QQ_A[0]
    platform = "qq" if "/qq/" in path else None
    code = code_of(several, known, "amy", platform)
    before = sum(several.emulator.calls.values())
    unknown = several.post(path, json={"code": code, "appid": "wx-not-ours"})
    assert unknown.status_code == 400
    assert error_code_of(unknown) == "UNKNOWN_APP"
    missing = several.post(path, json={"code": code})
    assert missing.status_code == 400
    assert error_code_of(missing) == "APPID_REQUIRED"
    assert sum(several.emulator.calls.values()) == before  # the platform was never called
    assert several.post(path, json={"code": code, "appid": known}).status_code == 200


def test_a_bind_names_its_app_too(several: Service) -> None:
    token = login(several, A[0], "amy")
    proof = {"provider": "wechat", "code": code_of(several, A[0], "amy"), "appid": A[0]}
    body = {"code": code_of(several, QQ_B[0], "amy", "qq"), "appid": QQ_B[0], "reauth": proof}
    bound = several.post("/v1/me/identities/qq", token, json=body)
    assert bound.status_code == 201, bound.text
    apps = {row["app_id"] for row in bound_identities(several, session_id_of(bound))}
    assert apps == {A[0], QQ_B[0]}
    # A reauth code without its app is 400 when the platform has several; of an app the
    # server lacks, refused like any code of no one's.
    token = session_id_of(bound)
    body = {"code": code_of(several, QQ_A[0], "amy", "qq"), "appid": QQ_A[0]}
    without = {"provider": "wechat", "code": code_of(several, A[0], "amy")}
    answer = several.post("/v1/me/identities/qq", token, json=body | {"reauth": without})
    assert error_code_of(answer) == "APPID_REQUIRED"
    foreign = without | {"appid": "wx-not-ours"}
    answer = several.post("/v1/me/identities/qq", token, json=body | {"reauth": foreign})
    assert error_code_of(answer) == "REAUTHENTICATION_FAILED"


def bound_identities(service: Service, token: str) -> list[dict[str, Any]]:
    identities: list[dict[str, Any]] = service.get("/v1/me/identities", token).json()["identities"]
    return identities


def test_open_data_uses_the_session_key_of_the_sessions_own_app(several: Service) -> None:
    in_a, in_b = login(several, A[0], "amy"), login(several, B[0], "amy")
    emulator = several.emulator
    for token, (appid, _) in ((in_a, A), (in_b, B)):
        openid = emulator.issued_for("amy", appid).openid
        encrypted, iv = encrypt_for(emulator, appid, openid, PHONE)
        ok = several.post("/v1/wechat/decrypt", token, json={"encryptedData": encrypted, "iv": iv})
        assert ok.status_code == 200, ok.text
        assert ok.json()["watermark"]["appid"] == appid
    # App A's data (its key, its watermark) is not app B's session's to read.
    openid_a = emulator.issued_for("amy", A[0]).openid
    encrypted, iv = encrypt_for(emulator, A[0], openid_a, PHONE)
    refused = several.post("/v1/wechat/decrypt", in_b, json={"encryptedData": encrypted, "iv": iv})
    assert refused.status_code == 400
    assert error_code_of(refused) == "WECHAT_DATA_INVALID"


def phone_code(service: Service, appid: str, user: str) -> str:
    response = httpx.post(
        f"{service.emulator_url}/_emulator/phone-code", json={"appid": appid, "user": user}
    )
    response.raise_for_status()
    code: str = response.json()["code"]
    return code


def test_phone_and_session_key_checks_use_the_sessions_own_access_token(
    several: Service,
) -> None:
    in_a, in_b = login(several, A[0], "amy"), login(several, B[0], "bob")
    for token, appid, user in ((in_a, A[0], "amy"), (in_b, B[0], "bob")):
        ok = several.post("/v1/me/phone", token, json={"code": phone_code(several, appid, user)})
        assert ok.status_code == 200, ok.text
        assert several.get("/v1/wechat/session-key", token).json() == {"valid": True}
    # The emulator refuses a phone code of app A under app B's access token.
    crossed = several.post("/v1/me/phone", in_b, json={"code": phone_code(several, A[0], "bob")})
    assert error_code_of(crossed) == "WECHAT_PHONE_CODE_INVALID"
    rows = several.sql_scalar("SELECT COUNT(*) FROM wechat_access_tokens")
    assert rows == 2  # one shared token per mini program
    assert several.emulator.token_fetches == 2


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_metrics_and_logs_carry_the_appid_never_the_secret(
    several: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wxsession")
    login(several, A[0], "amy")
    login(several, B[0], "amy")
    several.post("/v1/auth/wechat/login", json={"code": "x", "appid": "wx-not-ours"})
    samples = _samples(several)
    for appid in (A[0], B[0]):
        assert _value(samples, "wxsession_logins_total", provider="wechat", app=appid, result="ok")
        jscode = {"app": appid, "endpoint": "jscode2session", "errcode": "0"}
        assert _value(samples, "wxsession_wechat_requests_total", **jscode) == 1
    unknown = {"provider": "wechat", "app": "unknown", "result": "UNKNOWN_APP"}
    assert _value(samples, "wxsession_logins_total", **unknown) == 1
    text = several.http.get("/metrics").text + caplog.text
    assert "wx-not-ours" not in text
    assert all(secret not in text for secret in (A[1], B[1], QQ_A[1], QQ_B[1]))
    logins = [r.__dict__["audit"] for r in caplog.records if r.__dict__.get("event") == "login"]
    assert {fields["app"] for fields in logins} == {A[0], B[0]}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_session_from_elsewhere_cannot_pick_one_of_several_mini_programs(
    several: Service,
) -> None:
    account = {"username": "amy-pw", "password": "a long enough passphrase 7"}
    token = session_id_of(several.post("/v1/auth/password/register", json=account))
    before = sum(several.emulator.calls.values())
    answer = several.post("/v1/me/phone", token, json={"code": phone_code(several, A[0], "amy")})
    assert answer.status_code == 400
    assert error_code_of(answer) == "APPID_REQUIRED"
    assert sum(several.emulator.calls.values()) == before
