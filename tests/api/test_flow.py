"""The spine end to end over HTTP: code → login → protected call → logout → refused."""

from __future__ import annotations

import concurrent.futures

import httpx

from tests.support.service import Service


def test_whole_flow(service: Service) -> None:
    login = service.login("alice")
    assert login.status_code == 200
    body = login.json()
    assert set(body) == {"session_id", "expires_in", "registered", "user"}
    assert body["registered"] is True
    assert body["expires_in"] == 7200
    token = body["session_id"]

    me = service.get("/v1/me", token)
    assert me.status_code == 200
    assert me.json() == {**body["user"], "roles": [], "permissions": []}  # none granted yet

    assert service.post("/v1/auth/logout", token).status_code == 204
    after = service.get("/v1/me", token)
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "SESSION_INVALID"


def test_login_response_is_not_cacheable(service: Service) -> None:
    response = service.login()
    assert response.headers["cache-control"] == "no-store"


def test_same_person_gets_same_user_and_a_new_token_each_login(service: Service) -> None:
    first = service.login("bob").json()
    second = service.login("bob").json()
    other = service.login("carol").json()
    assert first["user"]["id"] == second["user"]["id"]
    assert first["session_id"] != second["session_id"]
    assert other["user"]["id"] != first["user"]["id"]
    # Both of bob's sessions are live: logging in elsewhere does not log out a device.
    assert service.get("/v1/me", first["session_id"]).status_code == 200
    assert service.get("/v1/me", second["session_id"]).status_code == 200


def test_relogin_while_presenting_a_session_ends_it(service: Service) -> None:
    old = service.session_for("dave")
    response = service.post("/v1/auth/wechat/login", old, json={"code": service.wx_code("dave")})
    assert response.status_code == 200
    new = response.json()["session_id"]
    assert new != old
    assert service.get("/v1/me", old).status_code == 401
    assert service.get("/v1/me", new).status_code == 200


def test_code_works_once(service: Service) -> None:
    code = service.wx_code("erin")
    assert service.post("/v1/auth/wechat/login", json={"code": code}).status_code == 200
    replay = service.post("/v1/auth/wechat/login", json={"code": code})
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "WECHAT_CODE_USED"
    assert "session_id" not in replay.text


def test_unknown_code_is_invalid(service: Service) -> None:
    response = service.post("/v1/auth/wechat/login", json={"code": "0" * 32})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "WECHAT_CODE_INVALID"


def test_parallel_first_logins_create_one_user(service: Service) -> None:
    codes = [service.wx_code("frank") for _ in range(20)]

    def login(code: str) -> httpx.Response:
        with httpx.Client(base_url=service.url, timeout=30) as client:
            return client.post("/v1/auth/wechat/login", json={"code": code})

    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(login, codes))
    assert [r.status_code for r in responses] == [200] * 20
    user_ids = {r.json()["user"]["id"] for r in responses}
    tokens = {r.json()["session_id"] for r in responses}
    assert len(user_ids) == 1
    assert len(tokens) == 20
    assert service.sql_scalar("SELECT count(*) FROM users") == 1
    assert service.sql_scalar("SELECT count(*) FROM identities") == 1
