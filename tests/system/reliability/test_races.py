"""Races on real servers (SQLite, and Redis + PostgreSQL), every contender released by one
start barrier: the unique keys and the conditional writes are what keep the data right,
not luck in scheduling (SECURITY_REFERENCE 1f)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from operator import call

import httpx
import pytest

from tests.support.race import race
from tests.support.service import Service

pytestmark = pytest.mark.slow


def client(service: Service) -> httpx.Client:
    """One connection per contender: a shared pool would queue them."""
    return httpx.Client(base_url=service.url, timeout=30)


def test_50_parallel_first_logins_of_one_person_make_one_user(service: Service) -> None:
    codes = [service.wx_code("first-timer") for _ in range(50)]
    clients = [client(service) for _ in codes]
    try:
        responses = race(
            call,
            [
                lambda c=c, code=code: c.post("/v1/auth/wechat/login", json={"code": code})
                for c, code in zip(clients, codes, strict=True)
            ],
        )
    finally:
        for c in clients:
            c.close()
    assert Counter(r.status_code for r in responses) == {200: 50}, [r.text for r in responses]
    assert len({r.json()["user"]["id"] for r in responses}) == 1
    assert len({r.json()["session_id"] for r in responses}) == 50
    assert service.sql_scalar("SELECT count(*) FROM users") == 1
    assert service.sql_scalar("SELECT count(*) FROM identities") == 1


def test_16_parallel_uses_of_one_wechat_code_give_at_most_one_session(service: Service) -> None:
    code = service.wx_code("replayer")
    clients = [client(service) for _ in range(16)]
    try:
        responses = race(
            call,
            [lambda c=c: c.post("/v1/auth/wechat/login", json={"code": code}) for c in clients],
        )
    finally:
        for c in clients:
            c.close()
    winners = [r for r in responses if r.status_code == 200]
    assert len(winners) == 1, [r.text for r in responses]
    losers = {r.json()["error"]["code"] for r in responses if r.status_code != 200}
    assert losers <= {"WECHAT_CODE_USED", "WECHAT_CODE_INVALID"}
    assert all("session_id" not in r.json() for r in responses if r.status_code != 200)
    token = winners[0].json()["session_id"]
    assert len(service.get("/v1/sessions", token).json()["sessions"]) == 1
    assert service.sql_scalar("SELECT count(*) FROM users") == 1


def test_parallel_registration_of_one_username_makes_one_account(service: Service) -> None:
    body = {"username": "racer", "password": "correct horse battery staple"}
    clients = [client(service) for _ in range(16)]
    try:
        responses = race(
            call, [lambda c=c: c.post("/v1/auth/password/register", json=body) for c in clients]
        )
    finally:
        for c in clients:
            c.close()
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 15}, [r.text for r in responses]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {
        "IDENTITY_TAKEN"
    }
    assert service.sql_scalar("SELECT count(*) FROM users") == 1
    assert service.sql_scalar("SELECT count(*) FROM identities") == 1
    assert service.sql_scalar("SELECT count(*) FROM passwords") == 1


def test_logout_racing_renewals_stays_dead(make_service: Callable[..., Service]) -> None:
    """Every request renews (touch interval 0), and eight renewals race each logout: the
    renewal's "only if it still exists" write must never bring the session back."""
    service = make_service(session_touch_interval=0)
    clients = [client(service) for _ in range(9)]
    try:
        for _ in range(10):
            token = service.session_for("racing")
            service.clock.advance(30)  # a renewal is due on every request
            auth = {"Authorization": f"Bearer {token}"}
            logout, *renewals = race(
                call,
                [lambda a=auth: clients[0].post("/v1/auth/logout", headers=a)]
                + [lambda c=c, a=auth: c.get("/v1/me", headers=a) for c in clients[1:]],
            )
            assert logout.status_code == 204
            assert {r.status_code for r in renewals} <= {200, 401}
            assert service.get("/v1/me", token).status_code == 401
            service.clock.advance(30)
            assert service.get("/v1/me", token).status_code == 401
    finally:
        for c in clients:
            c.close()
    assert service.sql_scalar("SELECT count(*) FROM users") == 1
