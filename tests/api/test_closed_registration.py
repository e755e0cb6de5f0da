"""``WXSESSION_REGISTRATION=closed`` (issue 23 section 4): people already known sign in as
before; a person not yet known is 403 ``REGISTRATION_CLOSED`` at every way in that proves no
allow-listed address, and nothing is written for them."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.support.service import Service, error_code_of

PASSWORD = "correct horse 電池 staple"


def test_only_known_users_sign_in_while_closed(
    make_service: Any, caplog: pytest.LogCaptureFixture
) -> None:
    open_service: Service = make_service()
    known = open_service.login("kim").json()["user"]["id"]
    registered = open_service.post(
        "/v1/auth/password/register", json={"username": "lee", "password": PASSWORD}
    )
    assert registered.status_code == 201
    closed: Service = make_service(
        registration="closed",
        database_url=open_service.settings.database_url,
        session_store=open_service.settings.session_store,
    )
    caplog.set_level(logging.INFO, logger="wxsession.audit")

    assert closed.login("kim").json()["user"]["id"] == known
    by_password = closed.post(
        "/v1/auth/password/login", json={"username": "lee", "password": PASSWORD}
    )
    assert by_password.status_code == 200, by_password.text

    users = closed.sql_scalar("SELECT count(*) FROM users")
    newcomer = closed.login("newcomer")
    assert (newcomer.status_code, error_code_of(newcomer)) == (403, "REGISTRATION_CLOSED")
    assert "session_id" not in newcomer.json()
    signup = closed.post(
        "/v1/auth/password/register", json={"username": "newbie", "password": PASSWORD}
    )
    assert (signup.status_code, error_code_of(signup)) == (403, "REGISTRATION_CLOSED")
    assert closed.sql_scalar("SELECT count(*) FROM users") == users
    refused = [
        r.__dict__["audit"]
        for r in caplog.records
        if r.__dict__.get("event") == "registration_refused"
    ]
    assert [r["provider"] for r in refused] == ["wechat", "password"]


def test_a_pending_session_cannot_register_once_closed(make_service: Any) -> None:
    explicit: Service = make_service(registration="explicit")
    pending = explicit.login("pat").json()["session_id"]
    closed: Service = make_service(
        registration="closed",
        database_url=explicit.settings.database_url,
        session_store=explicit.settings.session_store,
        data_keys=explicit.settings.data_keys,
    )
    refused = closed.post("/v1/auth/register", pending, json={"nickname": "Pat"})
    assert (refused.status_code, error_code_of(refused)) == (403, "REGISTRATION_CLOSED")
    assert closed.sql_scalar("SELECT count(*) FROM users") == 0
