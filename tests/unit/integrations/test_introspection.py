"""Introspection for other services, on the real service: JSON and nginx auth_request."""

from __future__ import annotations

from tests.support import roles
from tests.support.service import APPID, Service
from tests.unit.integrations.scenario import Reply, assert_error
from wxsession.server.introspection_routes import IntrospectOut

SECRET_FIELDS = ("openid", "unionid", "union_id", "session_key", "subject")


def _reply(response: object) -> Reply:
    import httpx

    assert isinstance(response, httpx.Response)
    body = response.json() if response.content else None
    return Reply(response.status_code, body, response.headers)


def test_introspect_answers_who_and_how_long(service: Service) -> None:
    login = service.login("nia").json()
    reply = service.get("/v1/session/introspect", login["session_id"])
    assert reply.status_code == 200, reply.text
    assert reply.headers["cache-control"] == "no-store"
    body = reply.json()
    assert body == {
        "active": True,
        "user_id": login["user"]["id"],
        "registered": True,
        "roles": [],
        "permissions": [],
        "expires_in": body["expires_in"],
    }
    assert 0 < body["expires_in"] <= service.settings.session_ttl
    openid = service.emulator.openid_for(APPID, "nia")
    session_key = service.emulator.session_key_for(APPID, openid)
    assert session_key
    for secret in (*SECRET_FIELDS, openid, service.emulator.unionid_for("nia"), session_key):
        assert secret not in reply.text


def test_introspect_refuses_without_a_live_session(service: Service) -> None:
    assert_error(_reply(service.get("/v1/session/introspect")), 401, "SESSION_MISSING")
    token = service.session_for("oz")
    service.post("/v1/auth/logout", token)
    assert_error(_reply(service.get("/v1/session/introspect", token)), 401, "SESSION_INVALID")


def test_introspect_follows_expiry(service: Service) -> None:
    token = service.session_for("pia")
    service.clock.advance(service.settings.session_ttl + 1)
    assert_error(_reply(service.get("/v1/session/introspect", token)), 401, "SESSION_EXPIRED")


def test_auth_request_variant_for_nginx(service: Service) -> None:
    login = service.login("quin").json()
    ok = service.get("/v1/session/auth", login["session_id"])
    assert ok.status_code == 200
    assert ok.headers["x-user-id"] == login["user"]["id"]
    assert ok.content == b""
    assert ok.headers["cache-control"] == "no-store"
    assert ok.headers["x-user-roles"] == ""

    missing = service.get("/v1/session/auth")
    assert_error(_reply(missing), 401, "SESSION_MISSING")
    assert "x-user-id" not in missing.headers
    assert_error(_reply(service.get("/v1/session/auth", "x" * 43)), 401, "SESSION_INVALID")


def test_auth_request_refuses_a_pending_session(make_service: object) -> None:
    """Explicit registration: the session is live but has no user yet, so a gateway must not
    let it through (403), while introspection says so (registered: false)."""
    assert callable(make_service)
    service: Service = make_service(registration="explicit")
    token = service.session_for("rue")
    assert_error(_reply(service.get("/v1/session/auth", token)), 403, "REGISTRATION_REQUIRED")
    body = service.get("/v1/session/introspect", token).json()
    assert body["registered"] is False
    assert body["user_id"] is None
    assert body["roles"] == body["permissions"] == []


def test_roles_show_on_the_next_introspection_after_a_grant(service: Service) -> None:
    """Granted elsewhere (another runtime on the same stores), seen by the next request of
    each kind although the user is cached: introspection, the auth_request headers, /v1/me."""
    login = service.login("roy").json()
    token, user_id = login["session_id"], login["user"]["id"]
    for _ in range(2):  # the second from the cache
        assert service.get("/v1/session/introspect", token).json()["roles"] == []
        assert service.get("/v1/me", token).json()["roles"] == []
    roles.define(service.settings, "support", "sessions:end", "users:read")
    roles.define(service.settings, "editor", "orders:write")
    roles.grant(service.settings, user_id, "support")
    roles.grant(service.settings, user_id, "editor")

    body = service.get("/v1/session/introspect", token).json()
    assert body["roles"] == ["editor", "support"]
    assert body["permissions"] == ["orders:write", "sessions:end", "users:read"]
    assert service.get("/v1/session/auth", token).headers["x-user-roles"] == "editor,support"
    me = service.get("/v1/me", token).json()
    assert (me["roles"], me["permissions"]) == (body["roles"], body["permissions"])

    roles.revoke(service.settings, user_id, "support")
    assert service.get("/v1/session/auth", token).headers["x-user-roles"] == "editor"
    assert service.get("/v1/me", token).json()["permissions"] == ["orders:write"]
    body = service.get("/v1/session/introspect", token).json()
    assert (body["roles"], body["permissions"]) == (["editor"], ["orders:write"])


def test_introspection_is_rendered_as_its_model_renders(service: Service) -> None:
    """The service answers a registered session's introspection from its user's rendered
    head and the seconds left (``introspection_body``): byte for byte what the route's
    model renders, on a miss and on every hit after it, with roles and without."""
    login = service.login("uma").json()
    token, user_id = login["session_id"], login["user"]["id"]
    roles.define(service.settings, "auditor", "audit:read", "audit:export")
    for granted in (False, True):
        if granted:
            roles.grant(service.settings, user_id, "auditor")
        for _ in range(3):
            reply = service.get("/v1/session/introspect", token)
            assert reply.status_code == 200, reply.text
            model = IntrospectOut.model_validate_json(reply.content)
            assert reply.content == model.model_dump_json().encode()
            assert model.roles == (["auditor"] if granted else [])
            assert model.permissions == (["audit:export", "audit:read"] if granted else [])
            assert 0 < model.expires_in <= service.settings.session_ttl
