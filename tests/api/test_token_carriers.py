"""The token can travel in a header (default), a custom header, the query, the body or a cookie."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.test_no_store import session_operations
from tests.support.service import Service, code_proof


def test_default_ignores_query_and_cookie(service: Service) -> None:
    token = service.session_for("sam")
    via_query = service.http.get("/v1/me", params={"session_id": token})
    assert via_query.json()["error"]["code"] == "SESSION_MISSING"
    cookie = {"Cookie": f"{service.settings.cookie_name}={token}"}
    via_cookie = service.http.get("/v1/me", headers=cookie)
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


def test_body_carrier_authenticates_a_route_with_a_body_of_its_own(make_service: Any) -> None:
    """The route's model forbids unknown fields; the carrier's field is not the route's."""
    service: Service = make_service(carriers=["header", "body"])
    token = service.session_for("val")
    renamed = service.http.put("/v1/me/profile", json={"nickname": "Val", "session_id": token})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["nickname"] == "Val"
    both = service.http.put(  # the same token in the header too: one token, fine
        "/v1/me/profile",
        json={"nickname": "Val 2", "session_id": token},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert both.json()["nickname"] == "Val 2"
    login = service.http.post(  # the fast path hands this body to FastAPI, which takes it
        "/v1/auth/wechat/login", json={"code": service.wx_code("val"), "session_id": token}
    )
    assert login.status_code == 200, login.text
    assert service.get("/v1/me", token).status_code == 401  # the presented one was ended
    token = login.json()["session_id"]
    body = {
        "username": "val-user",
        "password": "correct horse 電池 staple",
        "reauth": code_proof(service, "val"),
        "session_id": token,
    }
    password = service.http.post("/v1/me/identities/password", json=body)
    assert password.status_code == 201, password.text
    fresh = password.json()["session_id"]  # setting a password ends the presented session
    refused = service.http.put(  # any other unknown field is still refused
        "/v1/me/profile", json={"nickname": "V", "role": "admin", "session_id": fresh}
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["loc"] == ["body", "role"]


def test_query_carrier_token_never_goes_into_a_redirect(make_service: Any) -> None:
    """No 307 to the path without its trailing slash: it would copy ``?session_id=`` into
    ``Location``. Another spelling of a path is a 404."""
    service: Service = make_service(carriers=["query"])
    token = service.session_for("quin")
    for method, path in (
        ("GET", "/v1/me/"),
        ("GET", "/v1/sessions/"),
        ("POST", "/v1/auth/logout/"),
    ):
        answer = service.http.request(
            method, path, params={"session_id": token}, follow_redirects=False
        )
        assert answer.status_code == 404, (path, answer.status_code)
        assert "location" not in answer.headers
        assert token not in str(answer.headers.raw) and token not in answer.text
    assert service.http.get("/v1/me", params={"session_id": token}).status_code == 200


def test_cookie_carrier_for_web_clients(make_service: Any) -> None:
    service: Service = make_service(carriers=["cookie", "header"])
    login = service.login("wes")
    set_cookie = login.headers["set-cookie"]
    token = login.json()["session_id"]
    assert set_cookie.startswith(f"__Host-wxsession={token};")
    lowered = set_cookie.lower()
    assert "httponly" in lowered
    assert "secure" in lowered
    assert "samesite=lax" in lowered
    cookie = {"Cookie": f"__Host-wxsession={token}"}
    with httpx.Client(base_url=service.url) as browser:
        assert browser.get("/v1/me", headers=cookie).status_code == 200
        logout = browser.post("/v1/auth/logout", headers=cookie)
        assert logout.status_code == 204
        assert '__Host-wxsession=""' in logout.headers["set-cookie"]


def refused_as_ambiguous(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "INVALID_REQUEST"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["www-authenticate"] == (
        'Bearer realm="wxsession", error="invalid_request", wx_error="INVALID_REQUEST"'
    )


def test_a_bad_token_never_falls_through_to_a_good_one(make_service: Any) -> None:
    service: Service = make_service(carriers=["header", "cookie"])
    good = service.session_for("xia")
    cookie = {"Cookie": f"{service.settings.cookie_name}={good}"}
    bad = {"Authorization": "Bearer " + "b" * 43, **cookie}
    for path in ("/v1/me", "/v1/sessions"):  # the fast path and a FastAPI route
        refused_as_ambiguous(service.http.get(path, headers=bad))
        assert service.http.get(path, headers=cookie).status_code == 200
        same = {"Authorization": f"Bearer {good}", **cookie}
        assert service.http.get(path, headers=same).status_code == 200
    other = service.session_for("yves")
    two = {"Authorization": f"Bearer {other}", **cookie}
    refused_as_ambiguous(service.http.get("/v1/me", headers=two))
    login = service.http.post(
        "/v1/auth/wechat/login", json={"code": service.wx_code("xia")}, headers=two
    )
    refused_as_ambiguous(login)
    assert service.get("/v1/me", good).status_code == 200  # nothing was ended
    assert service.get("/v1/me", other).status_code == 200


def test_the_api_document_lists_that_400_wherever_a_session_is_read(service: Service) -> None:
    document = service.http.get("/openapi.json").json()
    operations = session_operations(document)
    assert len(operations) > 10
    for method, path in operations:
        assert "400" in document["paths"][path][method.lower()]["responses"], (method, path)


def test_the_session_header_twice_is_refused(service: Service) -> None:
    token = service.session_for("zed")
    for values in ([token, token], [token, "b" * 43], ["b" * 43, token]):
        headers = [("Authorization", f"Bearer {value}") for value in values]
        for path in ("/v1/me", "/v1/sessions"):
            refused_as_ambiguous(service.http.get(path, headers=headers))
        refused_as_ambiguous(service.http.post("/v1/auth/logout", headers=headers))
    assert service.get("/v1/me", token).status_code == 200


def test_the_session_cookie_twice_is_refused(make_service: Any) -> None:
    """Issue 20 point 5: ``name=A; name=B`` (a cookie tossed from a sibling subdomain beside
    ours) is 400 INVALID_REQUEST whatever the two hold, on the fast path and FastAPI's
    routes, never one of them picked (Starlette kept the last)."""
    service: Service = make_service(carriers=["cookie"])
    name = service.settings.cookie_name
    good, other = service.session_for("dua"), service.session_for("duo")
    for first, second in ((other, good), (good, other), (good, good), ("", good)):
        cookie = {"Cookie": f"{name}={first}; lang=zh; {name}={second}"}
        for path in ("/v1/me", "/v1/sessions"):
            refused_as_ambiguous(service.http.get(path, headers=cookie))
        refused_as_ambiguous(service.http.post("/v1/auth/logout-all", headers=cookie))
    split = [("Cookie", f"{name}={good}"), ("Cookie", f"{name}={other}")]  # HTTP/2 style
    refused_as_ambiguous(service.http.get("/v1/me", headers=split))
    assert service.http.get("/v1/me", headers={"Cookie": f"{name}={good}"}).status_code == 200
    assert service.get("/v1/me", other).status_code == 401  # cookie only: header ignored


FORGED = (
    {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "null"},
)
"""What browsers send with a form another site (or a sibling subdomain) posts to us."""


def refused_as_cross_site(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "CROSS_SITE_REQUEST"
    assert response.headers["cache-control"] == "no-store"


def test_cross_site_requests_cannot_use_the_session_cookie(make_service: Any) -> None:
    """Issue 20 point 4 (CSRF): a cross-site form POST to logout-all answered 204. Now a
    state-changing request carrying the session in the cookie is 403 CROSS_SITE_REQUEST
    when Origin or Sec-Fetch-Site says it comes from another site, the session untouched;
    from our own origin, a trusted one, or a non-browser (neither header), it passes. A
    token in the header (set by the page's own script) is no ambient credential."""
    service: Service = make_service(
        carriers=["cookie", "header"], csrf_trusted_origins="https://admin.example"
    )
    token = service.session_for("eve")
    cookie = {"Cookie": f"{service.settings.cookie_name}={token}"}
    own = f"http://{httpx.URL(service.url).netloc.decode()}"
    for forged in FORGED:
        sent = {**cookie, **forged}
        refused_as_cross_site(service.http.post("/v1/auth/logout-all", headers=sent))
        refused_as_cross_site(service.http.post("/v1/auth/logout", headers=sent))
        login = {"code": service.wx_code("eve")}
        refused_as_cross_site(service.http.post("/v1/auth/wechat/login", json=login, headers=sent))
        assert service.http.get("/v1/me", headers=sent).status_code == 200  # reads pass
        bearer = {"Authorization": f"Bearer {token}", **forged}
        assert service.http.get("/v1/sessions", headers=bearer).status_code == 200
    assert service.get("/v1/me", token).status_code == 200  # nothing was ended
    trusted = {**cookie, "Origin": "https://admin.example", "Sec-Fetch-Site": "cross-site"}
    assert service.http.post("/v1/auth/logout", headers=trusted).status_code == 204
    token = service.session_for("eve")
    cookie = {"Cookie": f"{service.settings.cookie_name}={token}"}
    same = {**cookie, "Origin": own, "Sec-Fetch-Site": "same-origin"}
    assert service.http.post("/v1/auth/logout", headers=same).status_code == 204
    token = service.session_for("eve")
    cookie = {"Cookie": f"{service.settings.cookie_name}={token}"}
    assert service.http.post("/v1/auth/logout-all", headers=cookie).status_code == 204
    assert service.get("/v1/me", token).status_code == 401
