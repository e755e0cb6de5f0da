"""Explicit registration: a login of an unknown person is a pending session until it registers."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

from tests.support.service import Service
from wxsession.accounts.models import User
from wxsession.accounts.registration import new_user_row
from wxsession.core.profile import Profile
from wxsession.core.user import UserView


@pytest.fixture
def explicit(make_service: Any) -> Service:
    started: Service = make_service(registration="explicit")
    return started


def test_pending_session_must_register(explicit: Service) -> None:
    login = explicit.login("olga").json()
    assert login["registered"] is False
    assert login["user"] is None
    pending = login["session_id"]

    refused = explicit.get("/v1/me", pending)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "REGISTRATION_REQUIRED"

    registered = explicit.post(
        "/v1/auth/register",
        pending,
        json={"nickname": "Olga 奥尔加", "avatar_url": "https://example.com/a.png"},
    )
    assert registered.status_code == 201
    body = registered.json()
    assert body["registered"] is True
    assert body["user"]["nickname"] == "Olga 奥尔加"
    fresh = body["session_id"]
    assert fresh != pending
    assert explicit.get("/v1/me", pending).status_code == 401
    assert explicit.get("/v1/me", fresh).json()["id"] == body["user"]["id"]

    again = explicit.post("/v1/auth/register", fresh, json={})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "ALREADY_REGISTERED"

    # The next login of the same person is a registered one.
    relogin = explicit.login("olga").json()
    assert relogin["registered"] is True
    assert relogin["user"]["id"] == body["user"]["id"]


def test_register_validates_profile(explicit: Service) -> None:
    pending = explicit.login("pat").json()["session_id"]
    bad_url = explicit.post("/v1/auth/register", pending, json={"avatar_url": "javascript:x"})
    assert bad_url.status_code == 422
    too_long = explicit.post("/v1/auth/register", pending, json={"nickname": "n" * 65})
    assert too_long.status_code == 422
    # The failed attempts did not consume the pending session.
    assert explicit.post("/v1/auth/register", pending, json={}).status_code == 201


def test_pending_session_can_log_out(explicit: Service) -> None:
    pending = explicit.login("quinn").json()["session_id"]
    assert explicit.post("/v1/auth/logout", pending).status_code == 204
    assert explicit.post("/v1/auth/register", pending, json={}).status_code == 401


def test_auto_mode_registers_on_first_login(service: Service) -> None:
    assert service.sql_scalar("SELECT count(*) FROM users") == 0
    assert service.login("ruth").json()["registered"] is True
    assert service.sql_scalar("SELECT count(*) FROM users") == 1


def test_first_and_returning_logins_show_the_user_as_stored(service: Service) -> None:
    """Both logins build the user they show from the row they wrote or read, without
    loading it back: every field must be what the database then gives ``/v1/me``."""
    first = service.login("ruth").json()
    again = service.login("ruth").json()
    stored = service.get("/v1/me", again["session_id"]).json()
    # /v1/me adds what a login does not show: the roles and permissions (none yet).
    assert (stored.pop("roles"), stored.pop("permissions")) == ([], [])
    assert first["user"] == again["user"] == stored
    assert service.sql_scalar("SELECT session_epoch FROM users") == 0
    assert service.sql_scalar("SELECT disabled FROM users") in (False, 0)


def test_a_new_users_row_names_every_column() -> None:
    """The row a first login inserts is also the user it shows: a column added to ``users``
    must be added there too, or the login would show it empty."""
    row = new_user_row(Profile("Ruth", None))
    assert set(row) == {column.key for column in User.__table__.columns}
    # The view shows them all, and the roles read beside the row (table user_roles).
    assert set(row) | {"roles", "permissions"} == {field.name for field in fields(UserView)}
