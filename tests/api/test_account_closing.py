"""Closing one's own account, ``DELETE /v1/me`` (issue 23 section 4), over HTTP on real
servers and both backends: fresh proof first, then every session ends, the person's data is
gone, the audit keeps only the id, and the same WeChat user can sign up again as someone new."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from tests.support.service import APPID, Service, code_proof, error_code_of, session_id_of


def _close(service: Service, token: str, body: Any = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return service.http.request("DELETE", "/v1/me", headers=headers, json=body)


def _user_rows(service: Service, user_id: str) -> dict[str, int]:
    """How many rows of each table still name the user."""
    return {
        table: service.sql_scalar(f"SELECT count(*) FROM {table} WHERE {column} = '{user_id}'")  # noqa: S608
        for table, column in (
            ("users", "id"),
            ("identities", "user_id"),
            ("passwords", "user_id"),
            ("union_ids", "user_id"),
        )
    }


def test_closing_needs_fresh_proof(service: Service) -> None:
    """A stolen session alone cannot destroy the account; the refusals change nothing."""
    victim = service.login("victim").json()
    token = victim["session_id"]
    service.login("attacker")
    refusals = [
        (_close(service, token), "REAUTHENTICATION_REQUIRED"),
        (_close(service, token, {}), "REAUTHENTICATION_REQUIRED"),
        (
            _close(service, token, {"reauth": code_proof(service, "attacker")}),
            "REAUTHENTICATION_FAILED",
        ),
        (_close(service, token, {"reauth": {"password": "a guess"}}), "REAUTHENTICATION_FAILED"),
    ]
    for refused, code in refusals:
        assert (refused.status_code, error_code_of(refused)) == (401, code), refused.text
    assert service.get("/v1/me", token).status_code == 200
    assert _user_rows(service, victim["user"]["id"])["identities"] == 1
    anonymous = service.http.request(
        "DELETE", "/v1/me", json={"reauth": code_proof(service, "victim")}
    )
    assert anonymous.status_code == 401


def test_closing_ends_every_session_erases_the_person_and_frees_the_identity(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    first = service.login("carol").json()
    user_id = first["user"]["id"]
    other_device = service.session_for("carol")
    token = first["session_id"]
    profile = {"nickname": "Carol 卡罗尔", "avatar_url": "https://example.com/carol.png"}
    assert service.http.put(
        "/v1/me/profile", json=profile, headers={"Authorization": f"Bearer {token}"}
    ).is_success
    phone = service.post(
        "/v1/me/phone",
        token,
        json={"code": service.emulator.issue_phone_code(APPID, "carol", "13800138000")},
    )
    assert phone.status_code == 200, phone.text
    assert service.sql_scalar("SELECT phone_number FROM users") == "+86 13800138000"
    sealed = "SELECT count(*) FROM identities WHERE session_key_sealed IS NOT NULL"
    assert service.sql_scalar(sealed) == 1

    closed = _close(service, token, {"reauth": code_proof(service, "carol")})
    assert closed.status_code == 204, closed.text
    assert closed.content == b""

    for gone in (token, other_device):
        refused = service.get("/v1/me", gone)
        assert refused.status_code == 401, refused.text
    assert _user_rows(service, user_id) == {
        "users": 0,
        "identities": 0,
        "passwords": 0,
        "union_ids": 0,
    }
    # Nothing of hers is left anywhere in the database: no nickname, no phone, no key.
    assert service.sql_scalar("SELECT count(*) FROM users") == 0
    assert service.sql_scalar("SELECT count(*) FROM identities") == 0

    again = service.login("carol").json()
    assert again["registered"] is True
    assert again["user"]["id"] != user_id
    assert again["user"]["nickname"] is None

    [closed_line] = [r for r in caplog.records if r.__dict__.get("event") == "account_closed"]
    assert closed_line.__dict__["audit"] == {"user": user_id}
    assert "Carol" not in "\n".join(r.getMessage() for r in caplog.records)
    # What the re-authentication proved is not a new session: the closed user got none.
    assert [r for r in caplog.records if r.__dict__.get("event") == "login"][-1].__dict__["audit"][
        "user"
    ] == again["user"]["id"]


def test_a_password_account_closes_with_its_password(service: Service) -> None:
    password = "correct horse 電池 staple"
    registered = service.post(
        "/v1/auth/password/register", json={"username": "dora", "password": password}
    )
    token = session_id_of(registered)
    wrong = _close(service, token, {"reauth": {"password": "not it at all"}})
    assert (wrong.status_code, error_code_of(wrong)) == (401, "REAUTHENTICATION_FAILED")
    assert _close(service, token, {"reauth": {"password": password}}).status_code == 204
    login = service.post("/v1/auth/password/login", json={"username": "dora", "password": password})
    assert (login.status_code, error_code_of(login)) == (401, "INVALID_CREDENTIALS")
    again = service.post(
        "/v1/auth/password/register", json={"username": "dora", "password": password}
    )
    assert again.status_code == 201, again.text
