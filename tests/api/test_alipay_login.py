"""``POST /v1/auth/alipay/login`` through the real server against an emulator over HTTP that
knows the app's public key: both signatures are checked (the app's call by the emulator, the
emulator's answer by the service), so a key pair that does not match is an error an operator
can read, never a login."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.support.alipay import (
    ALIPAY,
    ALIPAY_PUBLIC_KEY,
    APP_PUBLIC_KEY,
    OTHER_PRIVATE_KEY,
    OTHER_PUBLIC_KEY,
)
from tests.support.service import Service

APPID, PRIVATE_KEY = ALIPAY
ROUTE = "/v1/auth/alipay/login"
REGISTERED = {"alipay": {APPID: APP_PUBLIC_KEY}}


def start(make_service: Any, **overrides: Any) -> Service:
    settings = {
        "alipay_appid": APPID,
        "alipay_private_key": PRIVATE_KEY,
        "alipay_public_key": ALIPAY_PUBLIC_KEY,
        **overrides,
    }
    service: Service = make_service(platform_apps=REGISTERED, **settings)
    return service


def auth_code(service: Service, user: str = "alice") -> str:
    """Play ``my.getAuthCode()`` for ``user`` on the emulator."""
    response = httpx.post(
        f"{service.emulator_url}/_emulator/login",
        json={"appid": APPID, "user": user, "platform": "alipay"},
    )
    response.raise_for_status()
    code: str = response.json()["code"]
    return code


def error_of(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def stored_subject(service: Service) -> str:
    subject: str = service.sql_scalar("SELECT subject FROM identities WHERE provider = 'alipay'")
    return subject


def test_a_signed_login_signs_the_user_in_by_open_id(make_service: Any) -> None:
    service = start(make_service)
    response = service.http.post(ROUTE, json={"code": auth_code(service)})
    assert response.status_code == 200, response.text
    me = service.get("/v1/me", response.json()["session_id"])
    assert me.json()["id"] == response.json()["user"]["id"]
    open_id = service.emulator.openid_for(APPID, "alice")
    assert stored_subject(service) == open_id
    assert open_id not in response.text
    again = service.http.post(ROUTE, json={"code": auth_code(service)})
    assert again.json()["user"]["id"] == response.json()["user"]["id"]


def test_an_old_app_names_its_users_by_user_id(make_service: Any) -> None:
    service = start(make_service, alipay_id_type="user_id")
    response = service.http.post(ROUTE, json={"code": auth_code(service)})
    assert response.status_code == 200, response.text
    assert re.fullmatch(r"2088\d{12}", stored_subject(service))


def test_a_private_key_that_is_not_the_apps_is_misconfigured(make_service: Any) -> None:
    """The emulator checks the call with the app's registered public key."""
    service = start(make_service, alipay_private_key=OTHER_PRIVATE_KEY)
    code = auth_code(service)
    response = service.http.post(ROUTE, json={"code": code})
    assert error_of(response) == (502, "PROVIDER_MISCONFIGURED")
    assert "private key" not in response.text.lower()


def test_an_answer_not_signed_by_the_configured_alipay_key_is_refused(make_service: Any) -> None:
    """The service checks the answer with WXSESSION_ALIPAY_PUBLIC_KEY: here not the
    emulator's, as if someone else answered."""
    service = start(make_service, alipay_public_key=OTHER_PUBLIC_KEY)
    response = service.http.post(ROUTE, json={"code": auth_code(service)})
    assert error_of(response) == (502, "PROVIDER_ERROR")
    assert service.sql_scalar("SELECT count(*) FROM identities") == 0


def test_an_app_alipay_does_not_know_is_misconfigured(make_service: Any) -> None:
    service = start(make_service, alipay_appid="2021009999999999")
    response = service.http.post(ROUTE, json={"code": "4b203fe6c11548bcabd8da5bb087a83b"})
    assert error_of(response) == (502, "PROVIDER_MISCONFIGURED")


def test_a_code_is_good_once(make_service: Any) -> None:
    service = start(make_service)
    code = auth_code(service)
    assert service.http.post(ROUTE, json={"code": code}).status_code == 200
    assert error_of(service.http.post(ROUTE, json={"code": code})) == (401, "PROVIDER_CODE_INVALID")
