"""unionid merge: one person in two apps of one WeChat Open Platform account is one user.

Two servers share one database, each serving its own mini program; their emulators send the
same unionid for the same person (it derives from the person, not the app).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from tests.support.race import race
from tests.support.service import APPID, Service, code_proof
from wxsession.db import create_engine
from wxsession.migrate import alembic_config

APPID_2 = "wx0a1b2c3d4e5f6a7b"
SECRET_2 = "second-app-secret-0c9d8e7f6a5b4c3d"
GOOD = "correct horse 電池 staple"


@pytest.fixture
def two_apps(make_service: Any) -> tuple[Service, Service]:
    first: Service = make_service(unionid=True)
    second: Service = make_service(unionid=True, appid=APPID_2, secret=SECRET_2)
    return first, second


def _user(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    user_id: str = response.json()["user"]["id"]
    return user_id


def test_one_person_in_two_mini_programs_is_one_user(
    two_apps: tuple[Service, Service], caplog: pytest.LogCaptureFixture
) -> None:
    first, second = two_apps
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    hana = _user(first.login("hana"))
    assert _user(second.login("hana")) == hana
    assert _user(second.login("hana")) == hana  # and stays so
    assert _user(second.login("ian")) != hana  # another person is another user
    assert first.sql_scalar("SELECT count(*) FROM users") == 2

    token = second.session_for("hana")
    listed = second.get("/v1/me/identities", token)
    assert [(w["provider"], w["app_id"]) for w in listed.json()["identities"]] == [
        ("wechat", APPID),
        ("wechat", APPID_2),
    ]
    issued = first.emulator.issued_for("hana")
    assert issued.unionid is not None
    for secret in (issued.unionid, issued.openid):
        assert secret not in listed.text

    joined = [
        r.__dict__["audit"]
        for r in caplog.records
        if r.name == "wxsession.audit" and r.__dict__["event"] == "identity_bound"
    ]
    assert joined == [
        {"user": hana, "provider": "wechat", "app": APPID_2, "via": "unionid", "ip": "127.0.0.1"}
    ]
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert issued.unionid not in text

    # With two WeChat identities, unbinding one has to name its app.
    headers = {"Authorization": f"Bearer {token}"}
    vague = second.http.request(
        "DELETE",
        "/v1/me/identities/wechat",
        headers=headers,
        json={"reauth": code_proof(second, "hana")},
    )
    assert vague.status_code == 400
    assert vague.json()["error"]["code"] == "INVALID_REQUEST"
    named = second.http.request(
        "DELETE",
        "/v1/me/identities/wechat",
        headers=headers,
        params={"app_id": APPID_2},
        json={"reauth": code_proof(second, "hana")},
    )
    assert named.status_code == 200
    # The person still is this user through the first app: the next login joins again.
    assert _user(second.login("hana")) == hana


def test_parallel_first_logins_through_two_apps_end_as_one_user(
    two_apps: tuple[Service, Service],
) -> None:
    first, second = two_apps
    racers = 12
    codes = [(service, service.wx_code("kim")) for service in (first, second) * (racers // 2)]

    def login(item: tuple[Service, str]) -> httpx.Response:
        service, code = item
        with httpx.Client(base_url=service.url, timeout=30) as client:
            return client.post("/v1/auth/wechat/login", json={"code": code})

    responses = race(login, codes)
    assert [r.status_code for r in responses] == [200] * racers, [r.text for r in responses]
    assert len({_user(r) for r in responses}) == 1
    assert first.sql_scalar("SELECT count(*) FROM users") == 1
    assert first.sql_scalar("SELECT count(*) FROM identities") == 2
    assert first.sql_scalar("SELECT count(*) FROM union_ids") == 1


def test_a_unionid_of_another_user_cannot_be_bound(two_apps: tuple[Service, Service]) -> None:
    first, second = two_apps
    lee = _user(first.login("lee"))
    register = {"username": "pat", "password": GOOD}
    pat = second.post("/v1/auth/password/register", json=register).json()["session_id"]
    # lee's openid in the second app is unknown, but the person is lee's user already.
    body = {"code": second.wx_code("lee"), "reauth": {"password": GOOD}}
    taken = second.post("/v1/me/identities/wechat", pat, json=body)
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "IDENTITY_TAKEN"
    assert _user(second.login("lee")) == lee
    assert first.sql_scalar("SELECT count(*) FROM users") == 2


def test_unbinding_the_last_identity_of_a_unionid_lets_the_person_go(
    two_apps: tuple[Service, Service],
) -> None:
    first, second = two_apps
    mia = first.login("mia").json()
    token = first.post(
        "/v1/me/identities/password",
        mia["session_id"],
        json={"username": "mia", "password": GOOD, "reauth": code_proof(first, "mia")},
    ).json()["session_id"]
    headers = {"Authorization": f"Bearer {token}"}
    proof = {"reauth": {"password": GOOD}}
    unbound = first.http.request("DELETE", "/v1/me/identities/wechat", headers=headers, json=proof)
    assert unbound.status_code == 200
    assert first.sql_scalar("SELECT count(*) FROM union_ids") == 0
    assert _user(second.login("mia")) != mia["user"]["id"]


def test_explicit_registration_joins_by_unionid_too(make_service: Any) -> None:
    first: Service = make_service(unionid=True, registration="explicit")
    second: Service = make_service(
        unionid=True, registration="explicit", appid=APPID_2, secret=SECRET_2
    )
    pending = first.login("noa").json()["session_id"]
    noa = first.post("/v1/auth/register", pending, json={}).json()["user"]["id"]
    login = second.login("noa").json()
    assert login["registered"] is True
    assert login["user"]["id"] == noa


def test_merge_can_be_turned_off(make_service: Any) -> None:
    first: Service = make_service(unionid=True, unionid_merge=False)
    second: Service = make_service(
        unionid=True, unionid_merge=False, appid=APPID_2, secret=SECRET_2
    )
    assert _user(first.login("ola")) != _user(second.login("ola"))
    assert first.sql_scalar("SELECT count(*) FROM users") == 2


def test_the_mini_program_then_the_app_is_one_user(make_service: Any) -> None:
    app_id = "wx9f8e7d6c5b4a3210"
    service: Service = make_service(
        unionid=True, wechat_app_appid=app_id, wechat_app_secret="app-secret-5e4d3c2b1a09"
    )
    rui = _user(service.login("rui"))
    code = service.emulator.issue_code(app_id, "rui", platform="wechat_app")
    through_app = service.post("/v1/auth/wechat_app/login", json={"code": code})
    assert _user(through_app) == rui
    token = through_app.json()["session_id"]
    ways = service.get("/v1/me/identities", token).json()["identities"]
    assert [(w["provider"], w["app_id"]) for w in ways] == [
        ("wechat", APPID),
        ("wechat_app", app_id),
    ]
    assert service.sql_scalar("SELECT count(*) FROM users") == 1


def test_a_known_identity_that_now_comes_with_a_unionid_gets_it_recorded(
    make_service: Any,
) -> None:
    """The app joined an Open Platform account after its users signed up: their next login
    brings a unionid, which is stored then, so the person's other apps join that user."""
    first: Service = make_service()  # no unionid yet
    lea = _user(first.login("lea"))
    identity_unionid = "SELECT union_id FROM identities WHERE provider = 'wechat'"
    assert first.sql_scalar(identity_unionid) is None
    assert first.sql_scalar("SELECT count(*) FROM union_ids") == 0

    first.emulator.unionid = True  # the app is bound to an Open Platform account
    assert _user(first.login("lea")) == lea
    unionid = first.emulator.issued_for("lea").unionid
    assert unionid is not None
    assert first.sql_scalar(identity_unionid) == unionid
    assert first.sql_scalar("SELECT user_id FROM union_ids") == lea

    second: Service = make_service(unionid=True, appid=APPID_2, secret=SECRET_2)
    assert _user(second.login("lea")) == lea
    assert first.sql_scalar("SELECT count(*) FROM users") == 1


def test_migration_0006_gives_each_stored_unionid_one_home(backend: dict[str, str]) -> None:
    """Before 0006 one unionid could sit with several users; the oldest identity's user keeps
    it, and another platform's equal string is another unionid."""

    def migrate_to(connection: Connection, revision: str) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async def run() -> list[Any]:
        engine = create_engine(backend["database_url"])
        try:
            async with engine.begin() as connection:
                await connection.run_sync(migrate_to, "0005")
                start = datetime(2026, 1, 1, tzinfo=UTC)
                for number, (provider, subject) in enumerate(
                    [("wechat_app", "o-app"), ("wechat", "o-mini"), ("qq", "o-qq")]
                ):
                    user, created = f"user{number}", start - timedelta(days=number)
                    await connection.execute(
                        text(
                            "INSERT INTO users (id, disabled, created_at, session_epoch) "
                            "VALUES (:user, false, :created, 0)"
                        ),
                        {"user": user, "created": created},
                    )
                    await connection.execute(
                        text(
                            "INSERT INTO identities (user_id, provider, app_id, subject, "
                            "union_id, created_at) VALUES (:user, :provider, 'app', :subject, "
                            "'U1', :created)"
                        ),
                        {
                            "user": user,
                            "provider": provider,
                            "subject": subject,
                            "created": created,
                        },
                    )
                await connection.run_sync(migrate_to, "head")
                rows = await connection.execute(
                    text("SELECT scope, union_id, user_id FROM union_ids ORDER BY scope")
                )
                return [tuple(row) for row in rows]
        finally:
            await engine.dispose()

    # user1 ("wechat", a day older than user0's "wechat_app") keeps WeChat's U1.
    assert asyncio.run(run()) == [("qq", "U1", "user2"), ("wechat", "U1", "user1")]
