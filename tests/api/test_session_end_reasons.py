"""Single-device mode and why a session ended (issue 26), on SQLite and on Redis + PostgreSQL:
the holder of an ended session's token learns why (``SESSION_REPLACED``, ``SESSION_REVOKED``),
a token never issued learns nothing (``SESSION_INVALID``), an expired one keeps its answer."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from tests.support.service import Service, error_code_of, session_id_of
from wxsession.admin import open_admin
from wxsession.db import create_engine
from wxsession.migrate import alembic_config

PASSWORD = "correct horse battery staple 7"


def _refusal(service: Service, token: str) -> tuple[int, str, str]:
    """Status, error code and the challenge's ``wx_error`` of GET /v1/me with ``token``."""
    response = service.get("/v1/me", token)
    challenge = response.headers.get("WWW-Authenticate", "")
    return response.status_code, error_code_of(response), challenge.rpartition("wx_error=")[2]


def _user_id(service: Service, token: str) -> str:
    user_id: str = service.get("/v1/me", token).json()["id"]
    return user_id


def _admin(service: Service, user_id: str, public_id: str | None = None) -> int | None:
    async def revoke() -> int | None:
        async with open_admin(service.settings) as admin:
            ended: int | None = await admin.revoke(user_id, public_id)
            return ended

    return asyncio.run(revoke())


def test_with_one_session_per_user_a_second_login_replaces_the_first(make_service: Any) -> None:
    service: Service = make_service(max_sessions_per_user=1)
    first = service.session_for("rin")
    second = service.session_for("rin")  # another device: it does not present the first
    assert _refusal(service, first) == (401, "SESSION_REPLACED", '"SESSION_REPLACED"')
    assert service.get("/v1/me", second).status_code == 200
    assert _refusal(service, first)[1] == "SESSION_REPLACED"  # asked again: the same answer
    in_chinese = service.http.get(
        "/v1/me", headers={"Authorization": f"Bearer {first}", "Accept-Language": "zh-CN"}
    )
    assert error_code_of(in_chinese) == "SESSION_REPLACED"  # the code never changes
    assert "其他设备" in in_chinese.json()["error"]["message"]
    listed = service.get("/v1/sessions", second).json()["sessions"]
    assert [s["current"] for s in listed] == [True]
    assert "replaced" not in str(listed).lower()  # why sessions ended is never listed

    third = service.session_for("rin")  # and back: the second device is told in turn
    assert _refusal(service, second)[1] == "SESSION_REPLACED"
    assert service.get("/v1/me", third).status_code == 200


def test_a_login_that_presents_the_old_session_ends_it_as_its_own_logout(
    make_service: Any,
) -> None:
    """The device that logs in again itself was not replaced by anyone: nothing to tell."""
    service: Service = make_service(max_sessions_per_user=1)
    old = service.session_for("sam")
    again = service.login("sam", headers={"Authorization": f"Bearer {old}"})
    assert again.status_code == 200
    assert _refusal(service, old)[1] == "SESSION_INVALID"
    assert service.get("/v1/me", session_id_of(again)).status_code == 200


def test_the_default_cap_replaces_only_beyond_it(service: Service) -> None:
    tokens = [service.session_for("tia") for _ in range(3)]
    assert all(service.get("/v1/me", token).status_code == 200 for token in tokens)


def test_logout_everywhere_and_an_operator_revoke(service: Service) -> None:
    here, there = service.session_for("uma"), service.session_for("uma")
    assert service.post("/v1/auth/logout-all", here).status_code == 204
    assert _refusal(service, here) == (401, "SESSION_REVOKED", '"SESSION_REVOKED"')
    assert _refusal(service, there)[1] == "SESSION_REVOKED"

    kept, ended = service.session_for("uma"), service.session_for("uma")
    user_id = _user_id(service, kept)
    public_id = next(
        s["id"] for s in service.get("/v1/sessions", kept).json()["sessions"] if not s["current"]
    )
    assert _admin(service, user_id, public_id) == 1  # admin revoke --session
    assert _refusal(service, ended)[1] == "SESSION_REVOKED"
    assert service.get("/v1/me", kept).status_code == 200
    assert _admin(service, user_id) == 1  # admin revoke: every session
    assert _refusal(service, kept)[1] == "SESSION_REVOKED"


def test_ending_other_sessions_revokes_them_and_a_logout_is_invalid(service: Service) -> None:
    mine, other = service.session_for("vic"), service.session_for("vic")
    auth = {"Authorization": f"Bearer {mine}"}
    assert service.http.delete("/v1/sessions", headers=auth).json() == {"ended": 1}
    assert _refusal(service, other)[1] == "SESSION_REVOKED"
    assert service.post("/v1/auth/logout", mine).status_code == 204
    assert _refusal(service, mine)[1] == "SESSION_INVALID"  # its holder ended it


def test_a_password_change_revokes_the_other_sessions(service: Service) -> None:
    registered = service.post(
        "/v1/auth/password/register", json={"username": "wes", "password": PASSWORD}
    )
    caller = session_id_of(registered)
    login = {"username": "wes", "password": PASSWORD}
    other = session_id_of(service.post("/v1/auth/password/login", json=login))
    changed = service.post(
        "/v1/me/password",
        caller,
        json={"current_password": PASSWORD, "new_password": PASSWORD + " and more"},
    )
    assert changed.status_code == 200, changed.text
    assert _refusal(service, other)[1] == "SESSION_REVOKED"
    assert service.get("/v1/me", session_id_of(changed)).status_code == 200


def test_a_token_never_issued_learns_nothing_and_expiry_keeps_its_answer(
    service: Service,
) -> None:
    token = service.session_for("xia")
    user_id = _user_id(service, token)
    assert service.post("/v1/auth/logout-all", token).status_code == 204
    forged = f"{user_id}.{secrets.token_urlsafe(32)}"  # the user's id, a secret never issued
    assert _refusal(service, forged) == (401, "SESSION_INVALID", '"SESSION_INVALID"')
    assert _refusal(service, secrets.token_urlsafe(32))[1] == "SESSION_INVALID"

    lapsing = service.session_for("xia")
    service.clock.advance(service.settings.session_ttl + 1)
    assert _refusal(service, lapsing)[1] == "SESSION_EXPIRED"


def test_the_reason_reaches_a_cookie_carrier_too(make_service: Any) -> None:
    service: Service = make_service(max_sessions_per_user=1, carriers=["header", "cookie"])
    first = service.session_for("yan")
    service.session_for("yan")
    cookie = service.settings.cookie_name
    with httpx.Client(base_url=service.url, cookies={cookie: first}) as browser:
        response = browser.get("/v1/me")
    assert response.status_code == 401
    assert error_code_of(response) == "SESSION_REPLACED"


def test_the_reason_column_migrates_both_ways_keeping_older_ends(
    backend: dict[str, str],
) -> None:
    """Ends recorded before the reasons existed read as logouts (the answer they gave then);
    a downgrade drops the column and keeps the rows."""
    config = alembic_config()
    script = ScriptDirectory.from_config(config).get_revision("0013")
    assert script is not None and isinstance(script.down_revision, str)
    before = script.down_revision

    def migrate(connection: Connection, revision: str, *, down: bool = False) -> None:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)

    async def run() -> tuple[list[Any], list[str]]:
        engine = create_engine(backend["database_url"])
        try:
            async with engine.begin() as connection:
                await connection.run_sync(migrate, before)
                await connection.execute(
                    text(
                        "INSERT INTO ended_sessions (user_id, public_id, expires_at) "
                        "VALUES ('u1', 'p1', 1e12)"
                    )
                )
                await connection.run_sync(migrate, "head")
                upgraded = (await connection.execute(text("SELECT * FROM ended_sessions"))).all()
                await connection.run_sync(migrate, before, down=True)
                downgraded = await connection.execute(text("SELECT * FROM ended_sessions"))
                columns = list(downgraded.keys())
                await connection.run_sync(migrate, "head")
                return [row._asdict() for row in upgraded], columns
        finally:
            await engine.dispose()

    upgraded, columns = asyncio.run(run())
    assert upgraded == [
        {"user_id": "u1", "public_id": "p1", "expires_at": 1e12, "reason": "logout"}
    ]
    assert "reason" not in columns and "public_id" in columns
