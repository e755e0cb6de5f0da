"""The one scenario every framework adapter must pass, against a real service and store.

Each framework's test wraps its own test client in a ``Get`` (path, headers) -> ``Reply``, so
the same assertions prove the same behaviour: same statuses, same error bodies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from devtools.servers import RedisProcess
from tests.support import roles
from tests.support.service import Service, bearer
from wxsession.core.errors import SessionInvalid
from wxsession.core.messages_zh import BY_CODE


@dataclass
class Reply:
    status: int
    body: Any
    headers: Any  # each client's own case-insensitive headers (werkzeug, httpx, Django)


class Get(Protocol):
    """A request to the framework's app: ``GET`` unless ``method`` says otherwise."""

    def __call__(self, path: str, headers: Mapping[str, str], method: str = "GET") -> Reply: ...


CHALLENGES = {
    "SESSION_MISSING": 'Bearer realm="wxsession", wx_error="SESSION_MISSING"',
    "SESSION_INVALID": (
        'Bearer realm="wxsession", error="invalid_token", wx_error="SESSION_INVALID"'
    ),
    "SESSION_EXPIRED": (
        'Bearer realm="wxsession", error="invalid_token", wx_error="SESSION_EXPIRED"'
    ),
    "INVALID_REQUEST": (
        'Bearer realm="wxsession", error="invalid_request", wx_error="INVALID_REQUEST"'
    ),
}
"""``WWW-Authenticate`` of each refusal of the session a request presents (RFC 6750)."""


def assert_error(reply: Reply, status: int, code: str) -> None:
    assert reply.status == status, reply.body
    assert set(reply.body) == {"error"}
    assert reply.body["error"]["code"] == code
    assert reply.body["error"]["message"]
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["content-type"].startswith("application/json")
    if status == 401:
        assert reply.headers["www-authenticate"] == CHALLENGES[code]


def protects_orders(get: Get, service: Service) -> None:
    """Valid → 200 with the user; none → 401 SESSION_MISSING; junk and logged out → 401."""
    login = service.login("zoe").json()
    token = login["session_id"]

    ok = get("/orders", bearer(token))
    assert ok.status == 200, ok.body
    assert ok.body == {"user_id": login["user"]["id"], "orders": []}

    assert_error(get("/orders", {}), 401, "SESSION_MISSING")
    assert_error(get("/orders", {"Authorization": "Basic Zm9vOmJhcg=="}), 401, "SESSION_MISSING")
    junk = get("/orders", bearer("not-a-token"))
    assert_error(junk, 401, "SESSION_INVALID")
    assert junk.body["error"]["message"] == SessionInvalid.default_message
    chinese = get("/orders", {**bearer("not-a-token"), "Accept-Language": "zh-CN,en;q=0.8"})
    assert_error(chinese, 401, "SESSION_INVALID")  # the same code, a Chinese message
    assert chinese.body["error"]["message"] == BY_CODE["SESSION_INVALID"]

    other = service.session_for("yan")
    assert service.post("/v1/auth/logout", token).status_code == 204
    assert_error(get("/orders", bearer(token)), 401, "SESSION_INVALID")
    assert get("/orders", bearer(other)).status == 200  # only that session ended


def fails_closed(get: Get, service: Service, redis: RedisProcess) -> None:
    """The store stopped: 503 SESSION_STORE_UNAVAILABLE with Retry-After, never a pass."""
    token = service.session_for("una")
    assert get("/orders", bearer(token)).status == 200
    redis.stop()
    reply = get("/orders", bearer(token))
    assert_error(reply, 503, "SESSION_STORE_UNAVAILABLE")
    assert int(reply.headers["retry-after"]) >= 1


def refuses_pending(get: Get, service: Service) -> None:
    """Explicit registration: a live but pending session is 403 REGISTRATION_REQUIRED."""
    token = service.session_for("pat")
    assert_error(get("/orders", bearer(token)), 403, "REGISTRATION_REQUIRED")


def refuses_two_tokens(get: Get, service: Service) -> None:
    """Header and cookie carriers: one token in both is that token; two different ones are
    400 INVALID_REQUEST, whichever is bad, never settled by order."""
    token = service.session_for("two")
    other = service.session_for("tre")
    cookie = {"Cookie": f"{service.settings.cookie_name}={token}"}
    assert get("/orders", cookie).status == 200
    assert get("/orders", {**bearer(token), **cookie}).status == 200
    for header in (bearer(other), bearer("not-a-token")):
        reply = get("/orders", {**header, **cookie})
        assert_error(reply, 400, "INVALID_REQUEST")
        assert reply.headers["www-authenticate"] == CHALLENGES["INVALID_REQUEST"]


def refuses_the_cookie_twice(get: Get, service: Service) -> None:
    """Cookie carrier: the session cookie twice (a sibling subdomain tossed one beside ours)
    is 400 INVALID_REQUEST whatever the two hold; frameworks used to keep the first (Flask)
    or the last (Starlette, Django). Its default name is ``__Host-`` prefixed (Secure)."""
    name = service.settings.cookie_name
    assert name == "__Host-wxsession"
    token, other = service.session_for("cat"), service.session_for("cot")
    assert get("/orders", {"Cookie": f"theme=dark; {name}={token}"}).status == 200
    for first, second in ((token, other), (other, token), (token, token), ("", token)):
        cookie = {"Cookie": f"{name}={first}; theme=dark; {name}={second}"}
        reply = get("/orders", cookie)
        assert_error(reply, 400, "INVALID_REQUEST")
        assert reply.headers["www-authenticate"] == CHALLENGES["INVALID_REQUEST"]
    assert get("/orders", {"Cookie": f"wxsession={other}; {name}={token}"}).status == 200


def refuses_cross_site_cookie_posts(get: Get, service: Service, host: str) -> None:
    """Cookie carrier: a state-changing request from another site is 403 CROSS_SITE_REQUEST
    (CSRF); from the same origin (``host``: the one the test client sends), or from a
    non-browser (no Origin, no Sec-Fetch-Site), it passes, and so does a read, or a token
    the page's script put in a header."""
    forged_headers = (  # what a browser sends with a form another site posts to us
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": f"https://sub.{host}"},  # a sibling
        {"Origin": "null"},
        {"Origin": f"https://{host}.evil.example"},
    )
    token = service.session_for("cro")
    cookie = {"Cookie": f"{service.settings.cookie_name}={token}"}
    for forged in forged_headers:
        assert_error(get("/orders", {**cookie, **forged}, "POST"), 403, "CROSS_SITE_REQUEST")
        assert get("/orders", {**cookie, **forged}).status == 200  # a GET changes nothing
        assert get("/orders", {**bearer(token), **forged}, "POST").status == 200
    same_origin = {"Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"}
    reply = get("/orders", {**cookie, **same_origin}, "POST")
    assert reply.status == 200, reply.body
    assert get("/orders", cookie, "POST").status == 200


def checks_roles(get: Get, service: Service) -> None:
    """``require_permission`` (``/reports``: ``reports:read``) and ``require_role``
    (``/staff``: ``staff`` or ``admin``): 403 PERMISSION_DENIED until a role grants it, and a
    grant or revocation made through another runtime counts on the app's very next request,
    although the app had the user cached."""
    login = service.login("rolf").json()
    token, user_id = login["session_id"], login["user"]["id"]
    for _ in range(2):  # the second answer comes from the app's cache
        assert get("/orders", bearer(token)).status == 200
        assert_error(get("/reports", bearer(token)), 403, "PERMISSION_DENIED")
    assert_error(get("/staff", bearer(token)), 403, "PERMISSION_DENIED")
    assert_error(get("/reports", {}), 401, "SESSION_MISSING")

    roles.define(service.settings, "analyst", "reports:read")
    roles.grant(service.settings, user_id, "analyst")
    reply = get("/reports", bearer(token))
    assert reply.status == 200, reply.body
    assert reply.body == {"user_id": user_id, "permissions": ["reports:read"]}
    assert_error(get("/staff", bearer(token)), 403, "PERMISSION_DENIED")  # a role, not a perm

    roles.define(service.settings, "staff")  # a role may grant no permission at all
    roles.grant(service.settings, user_id, "staff")
    assert get("/staff", bearer(token)).body == {"user_id": user_id, "roles": ["analyst", "staff"]}
    roles.revoke(service.settings, user_id, "analyst")
    assert_error(get("/reports", bearer(token)), 403, "PERMISSION_DENIED")
    assert get("/staff", bearer(token)).status == 200
