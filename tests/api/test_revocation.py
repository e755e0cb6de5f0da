"""The revocation point: a session ended by "log out everywhere", disable or delete stays dead,
even when its store record comes back (a lost delete, a failover, a restore), and a renewal
racing a logout cannot bring it back."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from devtools.servers import RedisProcess
from tests.api.raw_store import (
    delete_user_row,
    exists,
    read_record,
    reinsert,
    session_epoch,
)
from tests.support.logs import attached
from tests.support.service import Service, error_code_of
from wxsession.admin import open_admin


def test_logged_out_everywhere_session_stays_dead_when_its_record_is_reinserted(
    service: Service,
) -> None:
    old = service.session_for("mia")
    other = service.session_for("mia")
    stored = read_record(service, old)
    assert stored is not None
    assert service.post("/v1/auth/logout-all", other).status_code == 204
    assert not exists(service, old)

    reinsert(service, old, stored)  # the delete is "lost": the record is back, byte for byte
    response = service.get("/v1/me", old)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "SESSION_REVOKED"
    assert not exists(service, old)  # and the survivor is cleaned up
    fresh = service.session_for("mia")  # sessions issued after the revocation point work
    assert service.get("/v1/me", fresh).status_code == 200


def test_revocation_by_another_process_is_honoured(make_service: Any) -> None:
    """The admin CLI (another process, here another Admin) raises the revocation point; with a
    zero cache window the server refuses a reinserted old record at once."""
    service: Service = make_service(revocation_cache_seconds=0)
    token = service.session_for("ned")
    user_id = service.get("/v1/me", token).json()["id"]
    stored = read_record(service, token)

    async def revoke() -> int:
        async with open_admin(service.settings) as admin:
            return await admin.revoke(user_id)

    assert asyncio.run(revoke()) == 1
    reinsert(service, token, stored)
    assert service.get("/v1/me", token).status_code == 401


def test_pending_sessions_have_no_revocation_point(make_service: Any) -> None:
    service: Service = make_service(registration="explicit")
    pending = service.session_for("oli")
    assert service.get("/v1/me", pending).json()["error"]["code"] == "REGISTRATION_REQUIRED"
    registered = service.post("/v1/auth/register", pending, json={"nickname": "Oli"})
    assert registered.status_code == 201
    assert service.get("/v1/me", registered.json()["session_id"]).status_code == 200


def test_renewal_racing_a_logout_does_not_resurrect(make_service: Any) -> None:
    """Every request renews (touch interval 0); a logout lands among 16 renewals. Afterwards
    the session is gone for good, in the store and over HTTP."""
    service: Service = make_service(session_touch_interval=0)
    for round_ in range(3):
        token = service.session_for(f"pat{round_}")
        statuses = _race(service, token, renewals=16)
        assert set(statuses) <= {200, 204, 401}, statuses
        assert 204 in statuses
        assert not exists(service, token)
        assert service.get("/v1/me", token).status_code == 401


def _race(service: Service, token: str, *, renewals: int) -> list[int]:
    """Release ``renewals`` GET /v1/me and one logout at once; their statuses."""
    barrier = threading.Barrier(renewals + 1)
    statuses: list[int] = []

    def call(method: str, path: str) -> None:
        with httpx.Client(base_url=service.url, timeout=15) as client:
            barrier.wait()
            auth = {"Authorization": f"Bearer {token}"}
            statuses.append(client.request(method, path, headers=auth).status_code)

    threads = [threading.Thread(target=call, args=("GET", "/v1/me")) for _ in range(renewals)]
    threads.append(threading.Thread(target=call, args=("POST", "/v1/auth/logout")))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_v3_3_3_revocation_point_ends_sessions_issued_before_it(service: Service) -> None:
    """The mechanism a password change (issue 3) will use: raising the revocation point ends
    every session issued before it (D2), while the device that acts logs in afresh (D1)."""
    d1 = service.session_for("quy")
    d2 = service.session_for("quy")
    d2_record = read_record(service, d2)
    assert service.post("/v1/auth/logout-all", d1).status_code == 204
    d1_again = service.session_for("quy")
    reinsert(service, d2, d2_record)
    assert service.get("/v1/me", d2).status_code == 401
    assert service.get("/v1/me", d1_again).status_code == 200


def test_v3_3_1_a_deleted_users_surviving_session_is_401_not_500(make_service: Any) -> None:
    """The user row goes (by any path) while a session record survives: refused as invalid."""
    service: Service = make_service(revocation_cache_seconds=0)
    token = service.session_for("val")
    user_id = service.get("/v1/me", token).json()["id"]
    delete_user_row(service, user_id)
    assert exists(service, token)
    for path in ("/v1/me", "/v1/sessions"):
        response = service.get(path, token)
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "SESSION_INVALID"


def _logout(service: Service, ended: str, keeper: str) -> None:
    assert service.post("/v1/auth/logout", ended).status_code == 204


def _end_by_id(service: Service, ended: str, keeper: str) -> None:
    listed = service.get("/v1/sessions", keeper).json()["sessions"]
    (other,) = [s["id"] for s in listed if not s["current"]]
    assert service.http.delete(f"/v1/sessions/{other}", headers=_bearer(keeper)).status_code == 204


def _end_others(service: Service, ended: str, keeper: str) -> None:
    answer = service.http.delete("/v1/sessions", headers=_bearer(keeper))
    assert answer.status_code == 200 and answer.json() == {"ended": 1}


def _admin_revoke_one(service: Service, ended: str, keeper: str) -> None:
    user_id = service.get("/v1/me", keeper).json()["id"]
    listed = service.get("/v1/sessions", keeper).json()["sessions"]
    (other,) = [s["id"] for s in listed if not s["current"]]

    async def revoke() -> int:
        async with open_admin(service.settings) as admin:
            return await admin.revoke(user_id, other)

    assert asyncio.run(revoke()) == 1


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "end", [_logout, _end_by_id, _end_others, _admin_revoke_one], ids=lambda f: f.__name__[1:]
)
def test_a_session_ended_alone_stays_dead_when_its_record_is_reinserted(
    make_service: Any, end: Callable[[Service, str, str], None]
) -> None:
    """Ending one session, or the others, is durable like log out everywhere (issue 19
    point 21): recorded in SQL before the store's delete, so the record coming back (a delete
    lost in a failover) is refused, deleted again, and the user's other session lives on.
    A zero cache window makes the admin CLI's end (another process) visible at once; the
    server's own ends need none."""
    window = 0 if end is _admin_revoke_one else 5
    service: Service = make_service(revocation_cache_seconds=window)
    ended, keeper = service.session_for("wyn"), service.session_for("wyn")
    stored = read_record(service, ended)
    assert stored is not None
    end(service, ended, keeper)
    assert not exists(service, ended)

    reinsert(service, ended, stored)  # the delete is "lost": the record is back
    response = service.get("/v1/me", ended)
    assert response.status_code == 401
    # Its holder learns why: a logout of its own says nothing more (issue 26).
    expected = "SESSION_INVALID" if end is _logout else "SESSION_REVOKED"
    assert response.json()["error"]["code"] == expected
    assert not exists(service, ended)  # and the survivor is cleaned up
    assert service.get("/v1/me", keeper).status_code == 200
    listed = service.get("/v1/sessions", keeper).json()["sessions"]
    assert [s["current"] for s in listed] == [True]
    alone = service.http.delete("/v1/sessions", headers=_bearer(keeper))
    assert alone.status_code == 200 and alone.json() == {"ended": 0}


@pytest.mark.parametrize("backend", ["redis+postgres"], indirect=True)
def test_logout_everywhere_during_a_redis_freeze_answers_what_happened(
    make_service: Any, own_redis: RedisProcess
) -> None:
    """Redis frozen (SIGSTOP) just after the session was seen, so the check passes from the
    hot-session cache: once the revocation point is raised in SQL the answer is 204 (it is
    the truth; the store's deletes are logged as pending), never a 503 that would make the
    client believe nothing happened. A request refused before anything was written is 503.
    After the thaw every session of the user is refused."""
    service: Service = make_service(session_store=own_redis.url, redis_timeout=0.3)
    acting, other = service.session_for("xia"), service.session_for("xia")
    user_id = service.get("/v1/me", acting).json()["id"]
    pending = Records()
    committed = None
    with attached(pending, "wxsession.sessions", logging.WARNING):
        for _ in range(5):  # the freeze must land inside the cache's trust window
            assert service.get("/v1/me", acting).status_code == 200  # cached now
            before = session_epoch(service, user_id)
            own_redis.pause()
            try:
                answer = service.post("/v1/auth/logout-all", acting)
            finally:
                own_redis.resume()
            if session_epoch(service, user_id) == before:
                assert answer.status_code == 503, answer.text  # nothing done: fail closed
                assert error_code_of(answer) == "SESSION_STORE_UNAVAILABLE"
                time.sleep(1.0)  # the subscriber proves itself current again
                continue
            committed = answer
            break
    assert committed is not None, "the freeze never landed inside the trust window"
    assert committed.status_code == 204, committed.text
    assert any("pending" in message for message in pending.messages)
    for token in (acting, other):
        assert service.get("/v1/me", token).status_code == 401


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
