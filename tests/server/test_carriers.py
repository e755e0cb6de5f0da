"""The token can travel in a header (default), a custom header, the query, the body or a cookie."""

from __future__ import annotations

from typing import Any

import httpx

from tests.server.conftest import Service


def test_default_ignores_query_and_cookie(service: Service) -> None:
    token = service.session_for("sam")
    via_query = service.http.get("/v1/me", params={"session_id": token})
    assert via_query.json()["error"]["code"] == "SESSION_MISSING"
    via_cookie = service.http.get("/v1/me", headers={"Cookie": f"wxsession={token}"})
    assert via_cookie.json()["error"]["code"] == "SESSION_MISSING"
    assert "set-cookie" not in service.login("sam").headers


def test_custom_header(make_service: Any) -> None:
    service: Service = make_service(header_name="X-Session-Id")
    token = service.session_for("tia")
    assert service.http.get("/v1/me", headers={"X-Session-Id": token}).status_code == 200
    bearer = service.get("/v1/me", token)
    assert bearer.json()["error"]["code"] == "SESSION_MISSING"


def test_query_carrier(make_service: Any) -> None:
    service: Service = make_service(carriers=["query"])
    token = service.session_for("uma")
    assert service.http.get("/v1/me", params={"session_id": token}).status_code == 200


def test_body_carrier(make_service: Any) -> None:
    service: Service = make_service(carriers=["body"])
    token = service.session_for("vic")
    logout = service.http.post("/v1/auth/logout", json={"session_id": token})
    assert logout.status_code == 204
    again = service.http.post("/v1/auth/logout", json={"session_id": token})
    assert again.json()["error"]["code"] == "SESSION_INVALID"


def test_cookie_carrier_for_web_clients(make_service: Any) -> None:
    service: Service = make_service(carriers=["cookie", "header"])
    login = service.login("wes")
    set_cookie = login.headers["set-cookie"]
    token = login.json()["session_id"]
    assert set_cookie.startswith(f"wxsession={token};")
    lowered = set_cookie.lower()
    assert "httponly" in lowered
    assert "secure" in lowered
    assert "samesite=lax" in lowered
    with httpx.Client(base_url=service.url) as browser:
        assert browser.get("/v1/me", headers={"Cookie": f"wxsession={token}"}).status_code == 200
        logout = browser.post("/v1/auth/logout", headers={"Cookie": f"wxsession={token}"})
        assert logout.status_code == 204
        assert 'wxsession=""' in logout.headers["set-cookie"]


def test_precedence_follows_configured_order(make_service: Any) -> None:
    service: Service = make_service(carriers=["header", "cookie"])
    good = service.session_for("xia")
    # The header wins over the cookie: a bad header is not rescued by a good cookie.
    response = service.http.get(
        "/v1/me", headers={"Authorization": "Bearer " + "b" * 43, "Cookie": f"wxsession={good}"}
    )
    assert response.json()["error"]["code"] == "SESSION_INVALID"
    assert service.http.get("/v1/me", headers={"Cookie": f"wxsession={good}"}).status_code == 200
