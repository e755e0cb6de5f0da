"""``GET /v1/me/activity`` and the audit table behind it, on both backends: a user sees their
own sign-ins (device, IP), failures and password changes, newest first and paged, never
another user's; no row of the table holds a token, code, password, openid, unionid or
session_key."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from tests.support.service import SECRET, Service, bearer, code_proof, session_id_of
from wxsession.audit_log.table import audit_events_table
from wxsession.db import create_engine

GOOD = "correct horse 電池 staple"
NEW = GOOD + " and more"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.47"
ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) MicroMessenger/8.0.49"


def _rows(service: Service) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        engine = create_engine(service.settings.database_url)
        try:
            async with engine.connect() as conn:
                query = select(audit_events_table).order_by(audit_events_table.c.id)
                return [dict(row) for row in (await conn.execute(query)).mappings()]
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _activity(service: Service, token: str, **params: Any) -> dict[str, Any]:
    response = service.get("/v1/me/activity", token, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("unionid", [False, True])
def test_a_users_activity_and_the_rows_behind_it(make_service: Any, unionid: bool) -> None:
    service: Service = make_service()
    service.emulator.unionid = unionid
    code = service.wx_code("ann")
    first = service.http.post(
        "/v1/auth/wechat/login", json={"code": code}, headers={"User-Agent": IPHONE}
    )
    token = session_id_of(first)
    body = {"username": "ann", "password": GOOD, "reauth": code_proof(service, "ann")}
    token = session_id_of(service.post("/v1/me/identities/password", token, json=body))
    change = {"current_password": GOOD, "new_password": NEW}
    token = session_id_of(service.post("/v1/me/password", token, json=change))
    wrong = service.http.post(
        "/v1/auth/password/login", json={"username": "ann", "password": GOOD + "x"}
    )
    assert wrong.status_code == 401
    signed_in = service.http.post(
        "/v1/auth/password/login",
        json={"username": "ann", "password": NEW},
        headers={"User-Agent": ANDROID},
    )
    token = session_id_of(signed_in)
    bob = service.session_for("bob")

    events = _activity(service, token)["events"]
    names = [e["event"] for e in events]
    assert names == [  # each change's fresh session is a sign-in of its own
        "login",
        "login_failed",
        "login",
        "password_changed",
        "login",
        "identity_bound",
        "login",
    ]
    newest, oldest = events[0], events[-1]
    assert (newest["device"], newest["provider"], newest["ip"]) == (
        "Android WeChat 8.0",
        "password",
        "127.0.0.1",
    )
    assert (oldest["device"], oldest["provider"]) == ("iPhone WeChat 8.0", "wechat")
    assert (events[1]["outcome"], events[1]["reason"]) == ("failure", "INVALID_CREDENTIALS")
    assert not any(e["by_operator"] for e in events)
    assert [e["id"] for e in events] == sorted((e["id"] for e in events), reverse=True)

    paged: list[dict[str, Any]] = []
    before = None
    while True:
        page = _activity(service, token, limit=2, **({"before": before} if before else {}))
        paged += page["events"]
        before = page["next_before"]
        if before is None:
            break
    assert paged == events
    assert all(e["event"] == "login" for e in _activity(service, bob)["events"])
    assert len(_activity(service, bob)["events"]) == 1

    rows = _rows(service)
    assert len(rows) == len(events) + 1  # and bob's sign-in
    issued = service.emulator.issued_for("ann")
    secrets = [code, token, bob, GOOD, NEW, SECRET, issued.openid, issued.session_key]
    if issued.unionid:
        secrets.append(issued.unionid)
    text = repr(rows)
    for secret in secrets:
        assert secret not in text
    assert all(row["request_id"] for row in rows)  # every event came from a request


def test_paging_is_checked(make_service: Any) -> None:
    service: Service = make_service()
    token = service.session_for("cat")
    assert service.get("/v1/me/activity", token, params={"limit": 0}).status_code == 422
    assert service.get("/v1/me/activity", token, params={"limit": 101}).status_code == 422
    assert service.get("/v1/me/activity", token, params={"before": 0}).status_code == 422
    assert service.get("/v1/me/activity").status_code == 401


def test_a_failing_audit_table_never_fails_a_login_and_its_rows_wait(make_service: Any) -> None:
    service: Service = make_service()
    service.sql_execute("ALTER TABLE audit_events RENAME TO audit_events_away")
    token = service.session_for("dee")  # the login does not wait for, nor fail with, its row
    assert service.get("/v1/me", token).status_code == 200
    down = service.get("/v1/me/activity", token)
    assert down.status_code == 503 and down.json()["error"]["code"] == "DATABASE_UNAVAILABLE"
    service.sql_execute("ALTER TABLE audit_events_away RENAME TO audit_events")
    events = _activity(service, token)["events"]
    assert [e["event"] for e in events] == ["login"]  # kept, and written on the next flush


def test_every_audit_line_is_also_a_row(
    make_service: Any, caplog: pytest.LogCaptureFixture
) -> None:
    service: Service = make_service()
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    assert service.post("/v1/auth/wechat/login", json={"code": "0" * 32}).status_code == 401
    phone = service.session_for("eve")
    tablet = service.session_for("eve")
    listed = service.get("/v1/sessions", phone).json()["sessions"]
    other = next(s["id"] for s in listed if not s["current"])
    assert service.http.delete(f"/v1/sessions/{other}", headers=bearer(phone)).status_code == 204
    assert service.get("/v1/me", tablet).status_code == 401
    assert service.post("/v1/auth/logout-all", phone).status_code == 204
    _activity(service, service.session_for("eve"))  # writes what this process still holds

    lines = Counter(r.__dict__["event"] for r in caplog.records if r.name == "wxsession.audit")
    rows = _rows(service)
    assert Counter(row["event"] for row in rows) == lines
    assert set(lines) == {"login_failed", "login", "session_revoked", "logout_all"}
    refused = next(row for row in rows if row["event"] == "login_failed")
    assert (refused["user_id"], refused["reason"], refused["outcome"]) == (
        None,
        "WECHAT_CODE_INVALID",
        "failure",
    )
