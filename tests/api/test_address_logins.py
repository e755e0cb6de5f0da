"""Phone and e-mail as ways in (issue 23 section 2), end to end on a dev-mode service with
codes read from its emulator's outbox, on both backends: code logins register and sign in,
a phone password account needs its phone's code, WeChat's one-tap phone login joins what it
proves and never merges, closed registration lets in only allow-listed addresses, and a
sender that is down leaves the earlier code working."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from tests.support.outbox import code_for, dev_service, send
from tests.support.service import Service, error_code_of, session_id_of

GOOD = "correct horse 電池 staple"
PHONE = "+8613800138000"


def _phone_login(service: Service, code: str, phone: str = PHONE) -> httpx.Response:
    return service.http.post("/v1/auth/phone/login", json={"phone": phone, "code": code})


def _email_login(service: Service, email: str, code: str) -> httpx.Response:
    return service.http.post("/v1/auth/email/login", json={"email": email, "code": code})


def _wechat_phone(service: Service, user: str, phone: str = "13800138000") -> httpx.Response:
    code = service.http.post("/_emulator/login", json={"user": user}).json()["code"]
    phone_code = service.http.post(
        "/_emulator/phone-code", json={"user": user, "phone": phone}
    ).json()["code"]
    return service.http.post(
        "/v1/auth/wechat/phone-login", json={"code": code, "phone_code": phone_code}
    )


def _ways(service: Service, token: str) -> list[tuple[str, str | None]]:
    listed = service.get("/v1/me/identities", token).json()["identities"]
    return sorted((way["provider"], way["login_name"]) for way in listed)


@pytest.fixture
def dev(make_service: Any) -> Service:
    return dev_service(make_service)


def test_a_phone_code_signs_up_then_in(dev: Service, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    first = _phone_login(dev, code_for(dev, "login", phone="138 0013 8000"))
    assert first.status_code == 200, first.text
    assert first.json()["registered"] is True
    assert first.headers["cache-control"] == "no-store"
    user_id = first.json()["user"]["id"]
    assert _ways(dev, session_id_of(first)) == [("phone", None)]

    again = _phone_login(dev, code_for(dev, "login", phone=PHONE, ip="198.51.100.9"))
    assert again.json()["user"]["id"] == user_id
    assert dev.sql_scalar("SELECT count(*) FROM users") == 1
    logins = [r.__dict__["audit"] for r in caplog.records if r.__dict__.get("event") == "login"]
    assert [(line["provider"], line["user"]) for line in logins] == [("phone", user_id)] * 2
    assert PHONE not in "\n".join(r.getMessage() for r in caplog.records)


def test_a_code_works_once_and_only_for_its_purpose_and_address(dev: Service) -> None:
    code = code_for(dev, "login", phone=PHONE)
    for wrong in (
        _phone_login(dev, "000000" if code != "000000" else "111111"),
        _phone_login(dev, code, phone="+8613900000000"),
        _email_login(dev, "ann@example.com", code),
    ):
        assert (wrong.status_code, error_code_of(wrong)) == (400, "CODE_INVALID"), wrong.text
    assert _phone_login(dev, code).status_code == 200
    replayed = _phone_login(dev, code)
    assert (replayed.status_code, error_code_of(replayed)) == (400, "CODE_INVALID")
    register_code = code_for(dev, "register", phone="+8613700000000")
    as_login = _phone_login(dev, register_code, phone="+8613700000000")
    assert error_code_of(as_login) == "CODE_INVALID"
    bad = dev.http.post("/v1/auth/phone/login", json={"phone": "12345", "code": "123456"})
    assert (bad.status_code, error_code_of(bad)) == (400, "PHONE_INVALID")
    assert dev.sql_scalar("SELECT count(*) FROM users") == 1


def test_email_login_reads_the_domain_in_any_case(dev: Service) -> None:
    first = _email_login(dev, "Ann@Example.COM", code_for(dev, "login", email="Ann@Example.COM"))
    assert first.status_code == 200, first.text
    again = _email_login(dev, "Ann@example.com", code_for(dev, "login", email="Ann@example.com"))
    assert again.json()["user"]["id"] == first.json()["user"]["id"]
    assert _ways(dev, session_id_of(again)) == [("email", None)]


def test_a_phone_password_account_proves_its_phone(dev: Service) -> None:
    unproven = dev.http.post(
        "/v1/auth/password/register", json={"phone": "138 0013 8000", "password": GOOD}
    )
    assert unproven.status_code == 422
    guessed = dev.http.post(
        "/v1/auth/password/register",
        json={"phone": "138 0013 8000", "password": GOOD, "code": "123456"},
    )
    assert (guessed.status_code, error_code_of(guessed)) == (400, "CODE_INVALID")
    code = code_for(dev, "register", phone=PHONE)
    registered = dev.http.post(
        "/v1/auth/password/register",
        json={"phone": "138-0013-8000", "password": GOOD, "code": code},
    )
    assert registered.status_code == 201, registered.text
    user_id = registered.json()["user"]["id"]
    assert _ways(dev, session_id_of(registered)) == [("password", PHONE), ("phone", None)]
    by_password = dev.http.post(
        "/v1/auth/password/login", json={"phone": "+86 138 0013 8000", "password": GOOD}
    )
    assert by_password.json()["user"]["id"] == user_id
    by_code = _phone_login(dev, code_for(dev, "login", phone=PHONE))
    assert by_code.json()["user"]["id"] == user_id  # one person, one account


def test_wechat_phone_login_joins_and_never_merges(dev: Service) -> None:
    new = _wechat_phone(dev, "wendy", "13800138000")
    assert new.status_code == 200, new.text
    wendy = new.json()["user"]["id"]
    assert _ways(dev, session_id_of(new)) == [("phone", None), ("wechat", None)]
    assert _phone_login(dev, code_for(dev, "login", phone=PHONE)).json()["user"]["id"] == wendy

    # The phone's owner signed up by code; their first WeChat phone login binds WeChat to them.
    other = "+8613900000000"
    owner = _phone_login(dev, code_for(dev, "login", phone=other), other).json()
    joined = _wechat_phone(dev, "otto", "13900000000")
    assert joined.json()["user"]["id"] == owner["user"]["id"]
    assert (
        dev.http.post(
            "/v1/auth/wechat/login",
            json={"code": dev.http.post("/_emulator/login", json={"user": "otto"}).json()["code"]},
        ).json()["user"]["id"]
        == owner["user"]["id"]
    )

    # Wendy's WeChat with Otto's phone: two users. Nothing changes.
    users = dev.sql_scalar("SELECT count(*) FROM identities")
    conflict = _wechat_phone(dev, "wendy", "13900000000")
    assert (conflict.status_code, error_code_of(conflict)) == (409, "ACCOUNT_CONFLICT")
    assert "session_id" not in conflict.json()
    assert dev.sql_scalar("SELECT count(*) FROM identities") == users


def test_closed_registration_admits_only_allow_listed_addresses(make_service: Any) -> None:
    closed = dev_service(
        make_service, registration="closed", registration_allow="+8613800138000,@corp.example"
    )
    allowed = _phone_login(closed, code_for(closed, "login", phone="13800138000"))
    assert allowed.status_code == 200, allowed.text
    by_domain = _email_login(
        closed, "eve@CORP.example", code_for(closed, "login", email="eve@corp.example")
    )
    assert by_domain.status_code == 200, by_domain.text
    for refused in (
        _phone_login(closed, code_for(closed, "login", phone="+8613900000000"), "+8613900000000"),
        _email_login(
            closed, "eve@other.example", code_for(closed, "login", email="eve@other.example")
        ),
        _wechat_phone(closed, "stranger", "13700000000"),
        closed.http.post(
            "/v1/auth/wechat/login",
            json={"code": closed.http.post("/_emulator/login", json={"user": "x"}).json()["code"]},
        ),
    ):
        assert (refused.status_code, error_code_of(refused)) == (403, "REGISTRATION_CLOSED")
    assert closed.sql_scalar("SELECT count(*) FROM users") == 2
    # The allow-listed phone's owner is known now: WeChat's one-tap login joins them.
    known = _wechat_phone(closed, "alice", "13800138000")
    assert known.json()["user"]["id"] == allowed.json()["user"]["id"]


def test_a_sender_that_is_down_leaves_the_earlier_code_working(dev: Service) -> None:
    email = "sam@example.com"
    earlier = code_for(dev, "login", email=email)
    assert dev.http.post("/_emulator/smtp", json={"running": False}).json()["running"] is False
    down = send(dev, email=email, purpose="login")
    assert (down.status_code, error_code_of(down)) == (503, "SENDER_UNAVAILABLE")
    assert dev.http.post("/_emulator/smtp", json={"running": True}).json()["running"] is True
    signed_in = _email_login(dev, email, earlier)
    assert signed_in.status_code == 200, signed_in.text
