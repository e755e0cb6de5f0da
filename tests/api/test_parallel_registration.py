"""Parallel duplicates behind a start barrier (ASVS 4.0.3 1.11.3, 5.0 15.4.2): exactly one
request wins, the rest are 409, and no row is duplicated, on SQLite and on PostgreSQL. The
unique keys are the guard, not a read-then-write."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.outbox import code_for, dev_service
from tests.support.race import race
from tests.support.service import Service, code_proof

GOOD = "correct horse 電池 staple"
RACERS = 12
BY_PASSWORD = {"password": GOOD}


def _statuses(responses: list[httpx.Response]) -> list[int]:
    return sorted(response.status_code for response in responses)


def _codes(responses: list[httpx.Response]) -> set[str]:
    return {r.json()["error"]["code"] for r in responses if r.status_code >= 400}


def _post(service: Service, path: str, body: dict[str, Any], token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=service.url, timeout=60) as client:
        return client.post(path, json=body, headers=headers)


def _password_user(service: Service, name: str) -> str:
    """A new password account's session token."""
    response = _post(
        service, "/v1/auth/password/register", {"username": name, "password": GOOD}, None
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["session_id"]
    return token


def test_parallel_registrations_of_one_phone_in_any_spelling(make_service: Any) -> None:
    """One code for the phone, spent by many registrations at once in its four spellings:
    one wins, the rest are refused (the code is spent, or the name is taken)."""
    service = dev_service(make_service)
    code = code_for(service, "register", phone="13900000000")
    spellings = ["+86 139 0000 0000", "13900000000", "+8613900000000", "139-0000-0000"]
    bodies = [{"phone": spellings[i % 4], "password": GOOD, "code": code} for i in range(RACERS)]
    responses = race(lambda body: _post(service, "/v1/auth/password/register", body, None), bodies)
    assert _statuses(responses).count(201) == 1
    assert set(_statuses(responses)[1:]) <= {400, 409}
    assert _codes(responses) <= {"CODE_INVALID", "IDENTITY_TAKEN"}
    assert service.sql_scalar("SELECT count(*) FROM users") == 1
    assert service.sql_scalar("SELECT count(*) FROM identities") == 2  # password and phone
    assert service.sql_scalar("SELECT count(*) FROM passwords") == 1


def test_parallel_binds_of_one_identity_by_many_users(service: Service) -> None:
    users = [_password_user(service, f"binder-{i}") for i in range(RACERS)]
    codes = [service.wx_code("contested") for _ in users]
    responses = race(
        lambda pair: _post(
            service,
            "/v1/me/identities/wechat",
            {"code": pair[1], "reauth": BY_PASSWORD},
            pair[0],
        ),
        list(zip(users, codes, strict=True)),
    )
    assert _statuses(responses) == [201] + [409] * (RACERS - 1)
    assert _codes(responses) == {"IDENTITY_TAKEN"}
    winner = next(r for r in responses if r.status_code == 201).json()["user"]["id"]
    openid = service.emulator.issued_for("contested").openid
    query = f"SELECT count(*) FROM identities WHERE subject = '{openid}'"  # noqa: S608
    assert service.sql_scalar(query) == 1
    assert service.login("contested").json()["user"]["id"] == winner


def test_parallel_password_settings_of_one_name_by_many_users(service: Service) -> None:
    users = [service.session_for(f"namer-{i}") for i in range(RACERS)]
    bodies = [
        {"username": "wanted", "password": GOOD, "reauth": code_proof(service, f"namer-{i}")}
        for i in range(RACERS)
    ]
    responses = race(
        lambda pair: _post(service, "/v1/me/identities/password", pair[1], pair[0]),
        list(zip(users, bodies, strict=True)),
    )
    assert _statuses(responses) == [201] + [409] * (RACERS - 1)
    assert _codes(responses) == {"IDENTITY_TAKEN"}
    assert service.sql_scalar("SELECT count(*) FROM passwords") == 1
    assert service.sql_scalar("SELECT count(*) FROM identities WHERE subject = 'wanted'") == 1


def test_one_user_binding_many_identities_of_one_app_at_once_keeps_one(service: Service) -> None:
    # Each racer has its own session of the same user, so none is ended under another.
    tokens = [service.session_for("collector") for _ in range(8)]
    bodies = [
        {"code": service.wx_code(f"candidate-{i}"), "reauth": code_proof(service, "collector")}
        for i in range(len(tokens))
    ]
    responses = race(
        lambda pair: _post(service, "/v1/me/identities/wechat", pair[1], pair[0]),
        list(zip(tokens, bodies, strict=True)),
    )
    # The user already has their own WeChat identity of this app: every bind is refused.
    assert _statuses(responses) == [409] * len(tokens)
    assert _codes(responses) == {"PROVIDER_ALREADY_BOUND"}

    # A password account without WeChat: of parallel binds, exactly one wins.
    first = _password_user(service, "collector")
    user_id = service.get("/v1/me", first).json()["id"]
    login = {"username": "collector", "password": GOOD}
    tokens = [first] + [
        _post(service, "/v1/auth/password/login", login, None).json()["session_id"]
        for _ in range(5)
    ]
    bodies = [
        {"code": service.wx_code(f"other-{i}"), "reauth": BY_PASSWORD} for i in range(len(tokens))
    ]
    responses = race(
        lambda pair: _post(service, "/v1/me/identities/wechat", pair[1], pair[0]),
        list(zip(tokens, bodies, strict=True)),
    )
    assert _statuses(responses) == [201] + [409] * (len(tokens) - 1)
    assert _codes(responses) == {"PROVIDER_ALREADY_BOUND"}
    query = f"SELECT count(*) FROM identities WHERE user_id = '{user_id}'"  # noqa: S608
    assert service.sql_scalar(query) == 2


def test_parallel_unbinds_never_leave_a_user_without_a_way_in(service: Service) -> None:
    token = service.session_for("pia")
    body = {"username": "pia", "password": GOOD, "reauth": code_proof(service, "pia")}
    token = _post(service, "/v1/me/identities/password", body, token).json()["session_id"]
    headers = {"Authorization": f"Bearer {token}"}

    def unbind(provider: str) -> httpx.Response:
        with httpx.Client(base_url=service.url, timeout=60) as client:
            proof = {"reauth": BY_PASSWORD}
            return client.request(
                "DELETE", f"/v1/me/identities/{provider}", headers=headers, json=proof
            )

    responses = race(unbind, ["wechat", "password"] * 3)
    assert _statuses(responses).count(200) == 1
    # The rest: the last way (409), already gone (404), the session the winner ended (401),
    # or the password the winner removed, no proof any more (401).
    assert _codes(responses) <= {
        "LAST_SIGN_IN_METHOD",
        "NOT_FOUND",
        "SESSION_INVALID",
        "REAUTHENTICATION_FAILED",
    }
    assert service.sql_scalar("SELECT count(*) FROM identities") == 1
