"""``POST /v1/auth/password/reset`` (issue 23 section 3; ASVS 4.0.3 2.5), end to end on a
dev-mode service with codes from the outbox, on both backends: by phone, e-mail or username,
the password rules, every session ends, a notice goes out, refusals say nothing about who
exists, and failures are throttled like logins."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from tests.support.outbox import code_for, dev_service, messages, post_sending, send
from tests.support.service import Service, error_code_of, session_id_of

OLD = "correct horse 電池 staple"
NEW = "a brand new passphrase 新的"
PHONE = "+8613800138000"
RESET = "/v1/auth/password/reset"


@pytest.fixture
def dev(make_service: Any) -> Service:
    return dev_service(make_service, login_attempts_per_account_ip=3)


def _account(service: Service) -> str:
    """A password account named ``ada`` with the phone proven; its session token."""
    code = code_for(service, "register", phone=PHONE)
    registered = service.http.post(
        "/v1/auth/password/register", json={"phone": PHONE, "password": OLD, "code": code}
    )
    token = session_id_of(registered)
    added = service.http.post(
        "/v1/me/identities/email",
        json={
            "email": "ada@example.com",
            "code": code_for(service, "bind", email="ada@example.com"),
            "reauth": {"password": OLD},
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    return session_id_of(added)


def _login(service: Service, password: str) -> httpx.Response:
    return service.http.post("/v1/auth/password/login", json={"phone": PHONE, "password": password})


def test_a_reset_by_phone_ends_every_session_and_sends_a_notice(
    dev: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    token = _account(dev)
    other = session_id_of(_login(dev, OLD))
    weak = dev.http.post(
        RESET,
        json={"phone": PHONE, "code": code_for(dev, "reset", phone=PHONE), "new_password": "short"},
    )
    assert (weak.status_code, error_code_of(weak)) == (400, "PASSWORD_TOO_SHORT")

    code = code_for(dev, "reset", phone=PHONE)
    done = dev.http.post(RESET, json={"phone": "138 0013 8000", "code": code, "new_password": NEW})
    assert done.status_code == 204, done.text
    for gone in (token, other):
        assert dev.get("/v1/me", gone).status_code == 401
    assert _login(dev, OLD).status_code == 401
    assert _login(dev, NEW).status_code == 200
    replayed = dev.http.post(RESET, json={"phone": PHONE, "code": code, "new_password": OLD})
    assert (replayed.status_code, error_code_of(replayed)) == (400, "CODE_INVALID")
    [notice, *_] = messages(dev, PHONE)
    assert notice["code"] is None  # the notice carries no code
    reset_lines = [
        r.__dict__["audit"] for r in caplog.records if r.__dict__.get("event") == "password_reset"
    ]
    assert [line["via"] for line in reset_lines] == ["phone"]
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert NEW not in text and PHONE not in text


def test_a_reset_by_username_goes_through_the_bound_address(dev: Service) -> None:
    registered = dev.http.post(
        "/v1/auth/password/register", json={"username": "bob", "password": OLD}
    )
    token = session_id_of(registered)
    unbound = dev.http.post("/v1/auth/password/reset-code", json={"username": "bob"})
    assert unbound.status_code == 202  # no address bound: nothing sent, the same answer
    nobody = dev.http.post("/v1/auth/password/reset-code", json={"username": "nobody"})
    assert nobody.status_code == 202
    bound = dev.http.post(
        "/v1/me/identities/email",
        json={
            "email": "bob@example.com",
            "code": code_for(dev, "bind", email="bob@example.com"),
            "reauth": {"password": OLD},
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert bound.status_code == 201, bound.text
    asked = post_sending(dev, "/v1/auth/password/reset-code", {"username": "BOB"})
    assert asked.status_code == 202, asked.text
    mail = messages(dev, "bob@example.com")[0]  # newest first: the reset code
    done = dev.http.post(RESET, json={"username": "bob", "code": mail["code"], "new_password": NEW})
    assert done.status_code == 204, done.text
    login = dev.http.post("/v1/auth/password/login", json={"username": "bob", "password": NEW})
    assert login.status_code == 200


def test_refusals_name_no_one_and_are_throttled(dev: Service) -> None:
    _account(dev)
    unknown = "+8613900000000"
    answers = [
        dev.http.post(RESET, json={"phone": PHONE, "code": "000001", "new_password": NEW}),
        dev.http.post(
            RESET,
            json={
                "phone": unknown,
                "code": code_for(dev, "reset", phone=unknown),
                "new_password": NEW,
            },
        ),
        dev.http.post(RESET, json={"username": "nobody", "code": "000001", "new_password": NEW}),
        dev.http.post(
            RESET, json={"email": "no@example.com", "code": "000001", "new_password": NEW}
        ),
    ]
    for answer in answers:
        assert (answer.status_code, error_code_of(answer)) == (400, "CODE_INVALID"), answer.text
    assert len({answer.content for answer in answers}) == 1
    for bad in (
        {"code": "1", "new_password": NEW},
        {"phone": PHONE, "email": "a@b.cn", "code": "1", "new_password": NEW},
    ):
        assert dev.http.post(RESET, json=bad).status_code == 422
    # Three failures for the phone from this network (login_attempts_per_account_ip=3): the
    # fourth is refused before the code is looked at, even with the right one.
    for _ in range(2):
        dev.http.post(RESET, json={"phone": PHONE, "code": "000002", "new_password": NEW})
    right = code_for(dev, "reset", phone=PHONE)
    throttled = dev.http.post(RESET, json={"phone": PHONE, "code": right, "new_password": NEW})
    assert (throttled.status_code, error_code_of(throttled)) == (429, "RATE_LIMITED")
    assert int(throttled.headers["Retry-After"]) >= 1
    assert _login(dev, OLD).status_code == 200


def test_a_reset_stands_when_the_notice_cannot_go_out(
    dev: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    _account(dev)
    code = code_for(dev, "reset", email="ada@example.com")
    assert dev.http.post("/_emulator/smtp", json={"running": False}).status_code == 200
    down = send(dev, email="ada@example.com", purpose="reset")
    assert (down.status_code, error_code_of(down)) == (503, "SENDER_UNAVAILABLE")
    done = dev.http.post(
        RESET, json={"email": "ada@example.com", "code": code, "new_password": NEW}
    )
    assert done.status_code == 204, done.text  # the earlier code still worked
    assert _login(dev, NEW).status_code == 200
    failed = [
        r for r in caplog.records if r.__dict__.get("event") == "password_reset_notice_failed"
    ]
    assert len(failed) == 1
    dev.http.post("/_emulator/smtp", json={"running": True})
