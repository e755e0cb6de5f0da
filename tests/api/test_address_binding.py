"""Binding and changing a phone or e-mail address (issue 23 section 2), end to end on a
dev-mode service with codes from the outbox, on both backends: a code for the address and
fresh proof of the account; a change ends every session; another user's address is 409; a
user who signs in by phone alone re-authenticates with a phone code (and can close the
account that way)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.outbox import code_for, dev_service
from tests.support.service import Service, error_code_of, session_id_of

PHONE = "+8613800138000"
NEW_PHONE = "+8613900000000"


@pytest.fixture
def dev(make_service: Any) -> Service:
    return dev_service(make_service)


def _bind(service: Service, token: str, kind: str, **body: Any) -> httpx.Response:
    return service.http.post(
        f"/v1/me/identities/{kind}", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def _phone_user(service: Service, phone: str = PHONE) -> dict[str, Any]:
    code = code_for(service, "login", phone=phone)
    answer = service.http.post("/v1/auth/phone/login", json={"phone": phone, "code": code})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _phone_proof(service: Service, phone: str = PHONE) -> dict[str, str]:
    return {"provider": "phone", "code": code_for(service, "login", phone=phone)}


def test_bind_an_email_then_change_the_phone(dev: Service) -> None:
    user = _phone_user(dev)
    token = user["session_id"]
    no_proof = _bind(
        dev,
        token,
        "email",
        email="pam@example.com",
        code=code_for(dev, "bind", email="pam@example.com"),
    )
    assert (no_proof.status_code, error_code_of(no_proof)) == (401, "REAUTHENTICATION_REQUIRED")
    wrong = _bind(
        dev, token, "email", email="pam@example.com", code="000000", reauth=_phone_proof(dev)
    )
    assert (wrong.status_code, error_code_of(wrong)) == (400, "CODE_INVALID")

    bound = _bind(
        dev,
        token,
        "email",
        email="pam@example.com",
        code=code_for(dev, "bind", email="pam@example.com"),
        reauth=_phone_proof(dev),
    )
    assert bound.status_code == 201, bound.text
    token = session_id_of(bound)
    mail_login = dev.http.post(
        "/v1/auth/email/login",
        json={"email": "pam@example.com", "code": code_for(dev, "login", email="pam@example.com")},
    )
    other_device = session_id_of(mail_login)
    assert mail_login.json()["user"]["id"] == user["user"]["id"]

    changed = _bind(
        dev,
        token,
        "phone",
        phone=NEW_PHONE,
        code=code_for(dev, "bind", phone=NEW_PHONE),
        reauth=_phone_proof(dev),
    )
    assert changed.status_code == 201, changed.text
    assert changed.headers.get_list("cache-control") == ["no-store"]  # see test_no_store.py
    assert dev.get("/v1/me", other_device).status_code == 401  # a change ends every session
    assert dev.get("/v1/me", session_id_of(changed)).status_code == 200
    assert _phone_user(dev, NEW_PHONE)["user"]["id"] == user["user"]["id"]
    old = _phone_user(dev, PHONE)  # the old number is free: it signs up someone new
    assert old["user"]["id"] != user["user"]["id"]


def test_another_users_address_is_409_and_nothing_is_merged(dev: Service) -> None:
    first = _phone_user(dev)
    second = _phone_user(dev, NEW_PHONE)
    taken = _bind(
        dev,
        second["session_id"],
        "phone",
        phone=PHONE,
        code=code_for(dev, "bind", phone=PHONE),
        reauth=_phone_proof(dev, NEW_PHONE),
    )
    assert (taken.status_code, error_code_of(taken)) == (409, "IDENTITY_TAKEN")
    assert _phone_user(dev)["user"]["id"] == first["user"]["id"]
    assert dev.sql_scalar("SELECT count(*) FROM identities") == 2


def test_a_phone_only_user_closes_the_account_with_a_phone_code(dev: Service) -> None:
    user = _phone_user(dev)
    token = user["session_id"]
    stranger = {"provider": "email", "code": "123456"}  # no e-mail bound: refused alike
    refused = dev.http.request(
        "DELETE", "/v1/me", json={"reauth": stranger}, headers={"Authorization": f"Bearer {token}"}
    )
    assert (refused.status_code, error_code_of(refused)) == (401, "REAUTHENTICATION_FAILED")
    closed = dev.http.request(
        "DELETE",
        "/v1/me",
        json={"reauth": _phone_proof(dev)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert closed.status_code == 204, closed.text
    assert dev.sql_scalar("SELECT count(*) FROM identities") == 0
    again = _phone_user(dev)
    assert again["user"]["id"] != user["user"]["id"]
