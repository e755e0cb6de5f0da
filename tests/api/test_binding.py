"""Binding and unbinding ways to sign in, over HTTP on real servers and both backends.

A user binds a WeChat identity with a code or sets a password, and unbinds one, never the last
(409 LAST_SIGN_IN_METHOD). An identity of another user is 409 IDENTITY_TAKEN, nothing merged.
Every change carries a ``reauth`` proof (tests/api/test_reauth.py tests that rule).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from tests.support.service import APPID, Service, code_proof, error_code_of, session_id_of

IDENTITIES = "/v1/me/identities"
GOOD = "correct horse 電池 staple"
BY_PASSWORD = {"password": GOOD}


def _bind(
    service: Service, token: str, person: str, reauth: dict[str, str] = BY_PASSWORD
) -> httpx.Response:
    body = {"code": service.wx_code(person), "reauth": reauth}
    return service.post(f"{IDENTITIES}/wechat", token, json=body)


def _set_password(service: Service, token: str, username: str, wechat_user: str) -> httpx.Response:
    """``wechat_user``: the caller's WeChat identity, whose fresh code is the proof."""
    body = {"username": username, "password": GOOD, "reauth": code_proof(service, wechat_user)}
    return service.post(f"{IDENTITIES}/password", token, json=body)


def _unbind(
    service: Service, token: str, provider: str, reauth: dict[str, str] = BY_PASSWORD, **params: str
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return service.http.request(
        "DELETE",
        f"{IDENTITIES}/{provider}",
        headers=headers,
        params=params,
        json={"reauth": reauth},
    )


def _ways(service: Service, token: str) -> list[dict[str, Any]]:
    response = service.get(IDENTITIES, token)
    assert response.status_code == 200, response.text
    ways: list[dict[str, Any]] = response.json()["identities"]
    return ways


def test_password_user_binds_wechat_and_then_signs_in_either_way(service: Service) -> None:
    registered = service.post(
        "/v1/auth/password/register", json={"username": "Ada", "password": GOOD}
    )
    first = session_id_of(registered)
    user_id = registered.json()["user"]["id"]
    assert [(w["provider"], w["app_id"], w["login_name"]) for w in _ways(service, first)] == [
        ("password", "local", "ada")
    ]

    bound = _bind(service, first, "ada-on-wechat")
    assert bound.status_code == 201
    assert bound.headers["cache-control"] == "no-store"
    fresh = session_id_of(bound)
    assert fresh != first
    assert service.get("/v1/me", first).status_code == 401  # the proof was a new login
    assert service.get("/v1/me", fresh).json()["id"] == user_id

    listed = service.get(IDENTITIES, fresh)
    ways = listed.json()["identities"]
    assert [(w["provider"], w["app_id"], w["login_name"]) for w in ways] == [
        ("password", "local", "ada"),
        ("wechat", APPID, None),
    ]
    issued = service.emulator.issued_for("ada-on-wechat")
    for secret in (issued.openid, issued.session_key):
        assert secret not in listed.text
    assert set(ways[1]) == {"provider", "app_id", "login_name", "created_at"}

    # Re-login through the new identity: the same user, a fresh session each time.
    relogin = service.login("ada-on-wechat")
    assert relogin.json()["user"]["id"] == user_id
    assert session_id_of(relogin) not in (first, fresh)
    again = service.post("/v1/auth/password/login", json={"username": "ada", "password": GOOD})
    assert again.json()["user"]["id"] == user_id
    assert service.sql_scalar("SELECT count(*) FROM users") == 1

    # Binding it once more is idempotent: 200, still one identity, still a fresh session.
    repeat = _bind(service, fresh, "ada-on-wechat")
    assert repeat.status_code == 200
    assert service.get("/v1/me", fresh).status_code == 401
    assert service.sql_scalar("SELECT count(*) FROM identities") == 2


def test_an_identity_of_another_user_is_409_and_nothing_is_merged(service: Service) -> None:
    bea = service.login("bea").json()
    cat = session_id_of(
        service.post("/v1/auth/password/register", json={"username": "cat", "password": GOOD})
    )

    taken = _bind(service, cat, "bea")
    assert taken.status_code == 409
    assert error_code_of(taken) == "IDENTITY_TAKEN"
    assert "session_id" not in taken.text
    assert service.get("/v1/me", cat).status_code == 200  # a refused bind changes nothing
    assert service.login("bea").json()["user"]["id"] == bea["user"]["id"]
    assert service.sql_scalar("SELECT count(*) FROM users") == 2
    assert len(_ways(service, cat)) == 1

    # One openid per app and user: a second WeChat identity of the same app is refused.
    cat = session_id_of(_bind(service, cat, "cat-on-wechat"))
    second = _bind(service, cat, "someone-else")
    assert second.status_code == 409
    assert error_code_of(second) == "PROVIDER_ALREADY_BOUND"
    assert service.sql_scalar("SELECT count(*) FROM identities") == 3  # bea, cat x2

    unknown = service.post(f"{IDENTITIES}/nosuch", cat, json={"code": "abc", "reauth": BY_PASSWORD})
    assert unknown.status_code == 404
    assert error_code_of(unknown) == "NOT_FOUND"
    bad_code = service.post(
        f"{IDENTITIES}/wechat", cat, json={"code": "0" * 32, "reauth": BY_PASSWORD}
    )
    assert bad_code.status_code == 401
    assert error_code_of(bad_code) == "WECHAT_CODE_INVALID"
    assert service.get("/v1/me", cat).status_code == 200  # the bad code was not our session
    assert service.post(f"{IDENTITIES}/wechat", json={"code": "abc"}).status_code == 401


def test_a_wechat_user_sets_a_password_once(service: Service) -> None:
    eve = service.login("eve").json()
    token = eve["session_id"]
    weak = service.post(
        f"{IDENTITIES}/password",
        token,
        json={"username": "eve", "password": "short", "reauth": code_proof(service, "eve")},
    )
    assert weak.status_code == 400
    assert error_code_of(weak) == "PASSWORD_TOO_SHORT"

    set_ = _set_password(service, token, " EVE ", "eve")
    assert set_.status_code == 201
    fresh = session_id_of(set_)
    assert service.get("/v1/me", token).status_code == 401
    login = service.post("/v1/auth/password/login", json={"username": "eve", "password": GOOD})
    assert login.json()["user"]["id"] == eve["user"]["id"]

    twice = _set_password(service, fresh, "eve-two", "eve")
    assert twice.status_code == 409
    assert error_code_of(twice) == "PROVIDER_ALREADY_BOUND"
    fay = service.session_for("fay")
    taken = _set_password(service, fay, "Eve", "fay")
    assert taken.status_code == 409
    assert error_code_of(taken) == "IDENTITY_TAKEN"
    assert service.sql_scalar("SELECT count(*) FROM passwords") == 1
    assert service.sql_scalar("SELECT count(*) FROM identities WHERE provider = 'password'") == 1


def test_unbinding_never_removes_the_last_way_and_ends_every_session(service: Service) -> None:
    gus = service.login("gus").json()
    user_id = gus["user"]["id"]
    caller, other = gus["session_id"], service.session_for("gus")

    last = _unbind(service, caller, "wechat", code_proof(service, "gus"))
    assert last.status_code == 409
    assert error_code_of(last) == "LAST_SIGN_IN_METHOD"
    assert service.get("/v1/me", other).status_code == 200  # nothing happened

    caller = session_id_of(_set_password(service, caller, "gus", "gus"))
    assert service.get("/v1/me", other).status_code == 200  # adding a way ends no session
    unbound = _unbind(service, caller, "wechat")
    assert unbound.status_code == 200
    fresh = session_id_of(unbound)
    assert service.get("/v1/me", caller).status_code == 401
    assert service.get("/v1/me", other).status_code == 401
    assert service.get("/v1/me", fresh).json()["id"] == user_id
    assert [w["provider"] for w in _ways(service, fresh)] == ["password"]

    assert error_code_of(_unbind(service, fresh, "wechat")) == "NOT_FOUND"
    only_password = _unbind(service, fresh, "password")
    assert only_password.status_code == 409
    assert error_code_of(only_password) == "LAST_SIGN_IN_METHOD"
    # The unbound WeChat identity is free again: its next login is a new user.
    assert service.login("gus").json()["user"]["id"] != user_id


def test_unbinding_a_password_removes_its_hash_too(service: Service) -> None:
    token = session_id_of(_set_password(service, service.session_for("hal"), "hal", "hal"))
    assert service.sql_scalar("SELECT count(*) FROM passwords") == 1
    assert _unbind(service, token, "password").status_code == 200
    assert service.sql_scalar("SELECT count(*) FROM passwords") == 0
    login = service.post("/v1/auth/password/login", json={"username": "hal", "password": GOOD})
    assert login.status_code == 401
    # The name is free for anyone again.
    other = service.post("/v1/auth/password/register", json={"username": "hal", "password": GOOD})
    assert other.status_code == 201


def test_binding_audit_events_name_reasons_and_hold_no_secrets(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    service.login("ivy")
    token = service.session_for("jon")
    code = service.wx_code("ivy")
    body = {"code": code, "reauth": code_proof(service, "jon")}
    assert service.post(f"{IDENTITIES}/wechat", token, json=body).status_code == 409
    token = session_id_of(_set_password(service, token, "jon", "jon"))
    assert error_code_of(_unbind(service, token, "password", app_id="elsewhere")) == "NOT_FOUND"
    token = session_id_of(_unbind(service, token, "wechat"))
    assert error_code_of(_unbind(service, token, "password")) == "LAST_SIGN_IN_METHOD"

    events = [
        (r.__dict__["event"], r.__dict__["audit"])
        for r in caplog.records
        if r.name == "wxsession.audit" and r.__dict__["event"] not in ("login",)
    ]
    names = [name for name, _ in events]
    assert names == [
        "bind_failed",
        "identity_bound",
        "unbind_failed",
        "identity_unbound",
        "unbind_failed",
    ]
    fields = [audit for _, audit in events]
    assert fields[0]["reason"] == "IDENTITY_TAKEN"
    assert fields[1]["provider"] == "password"
    assert fields[2]["reason"] == "NOT_FOUND"
    assert (fields[3]["provider"], fields[3]["app"], fields[3]["ended"]) == ("wechat", APPID, 0)
    assert fields[4]["reason"] == "LAST_SIGN_IN_METHOD"
    assert all(audit["ip"] == "127.0.0.1" and audit["session"] for audit in fields)

    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for person in ("ivy", "jon"):
        issued = service.emulator.issued_for(person)
        for secret in (issued.openid, issued.session_key):
            assert secret not in text
    assert code not in text
    assert GOOD not in text
