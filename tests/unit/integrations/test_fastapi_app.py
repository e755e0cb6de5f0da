"""examples/fastapi_app served by a real uvicorn, on the service's Redis and database."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from examples.fastapi_app.app import create_app
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from devtools.servers import RedisProcess
from tests.support.service import Service, bearer
from tests.unit.integrations.bodies import BIG, json_body
from tests.unit.integrations.scenario import (
    Get,
    Reply,
    assert_error,
    checks_roles,
    fails_closed,
    protects_orders,
    refuses_cross_site_cookie_posts,
    refuses_the_cookie_twice,
    refuses_two_tokens,
)
from wxsession.integrations import fastapi as wxs
from wxsession.server.background import serve_in_thread


@contextmanager
def example_client(service: Service) -> Iterator[tuple[httpx.Client, Get]]:
    with (
        serve_in_thread(create_app(service.settings)) as url,
        httpx.Client(base_url=url, timeout=15) as client,
    ):

        def get(path: str, headers: Mapping[str, str], method: str = "GET") -> Reply:
            response = client.request(method, path, headers=dict(headers))
            return Reply(response.status_code, response.json(), response.headers)

        yield client, get


def test_protects_its_route(service: Service) -> None:
    with example_client(service) as (_, get):
        protects_orders(get, service)


def test_requires_permissions_and_roles(service: Service) -> None:
    with example_client(service) as (_, get):
        checks_roles(get, service)


def test_refuses_two_tokens(make_service: Any) -> None:
    service: Service = make_service(carriers=["header", "cookie"])
    with example_client(service) as (_, get):
        refuses_two_tokens(get, service)


def test_refuses_the_cookie_twice(make_service: Any) -> None:
    service: Service = make_service(carriers=["header", "cookie"])
    with example_client(service) as (_, get):
        refuses_the_cookie_twice(get, service)


def test_refuses_cross_site_cookie_posts(make_service: Any) -> None:
    service: Service = make_service(carriers=["header", "cookie"])
    with example_client(service) as (client, get):
        refuses_cross_site_cookie_posts(get, service, client.base_url.netloc.decode())


def test_fails_closed_when_redis_stops(down_service: tuple[Service, RedisProcess]) -> None:
    service, redis = down_service
    with example_client(service) as (_, get):
        fails_closed(get, service, redis)


def test_the_mounted_router_logs_in_and_out_on_the_same_stores(service: Service) -> None:
    with example_client(service) as (client, get):
        login = client.post("/v1/auth/wechat/login", json={"code": service.wx_code("kai")})
        assert login.status_code == 200, login.text
        token = login.json()["session_id"]
        assert get("/orders", bearer(token)).status == 200
        assert service.get("/v1/me", token).json()["id"] == login.json()["user"]["id"]
        assert client.post("/v1/auth/logout", headers=bearer(token)).status_code == 204
        assert service.get("/v1/me", token).status_code == 401


def test_setup_keeps_the_apps_own_lifespan(service: Service) -> None:
    """``setup`` wraps, not replaces, a lifespan the user already had; it sees the runtime."""
    from contextlib import asynccontextmanager

    from fastapi import FastAPI

    from wxsession.integrations import fastapi as wxs

    seen: list[str] = []

    @asynccontextmanager
    async def own(app: FastAPI) -> Any:
        seen.append(type(app.state.wxsession).__name__)
        yield
        seen.append("closed")

    app = FastAPI(lifespan=own)
    wxs.setup(app, service.settings)
    with serve_in_thread(app):
        assert seen == ["Runtime"]
    assert seen == ["Runtime", "closed"]


def test_the_router_serves_what_the_service_serves() -> None:
    """``wxs.router`` is the service's own routes, not a copy: the same /v1 operations (the
    service adds only ops routes, such as /healthz, and dev-mode emulator routes)."""
    from fastapi import FastAPI

    from wxsession.integrations import fastapi as wxs
    from wxsession.server.app import create_app as create_service
    from wxsession.settings import Settings

    def operations(app: FastAPI) -> set[tuple[str, str]]:
        paths = app.openapi()["paths"]
        return {
            (path, method)
            for path, item in paths.items()
            if path.startswith("/v1/")
            for method in item
        }

    mounted = FastAPI()
    mounted.include_router(wxs.router)
    service = create_service(Settings(appid="wx0123456789abcdef", secret="s"))
    assert operations(mounted) == operations(service)
    assert ("/v1/session/introspect", "get") in operations(mounted)


@pytest.mark.parametrize("own_lifespan", [False, True])
def test_setup_documents_the_login_session_as_optional(own_lifespan: bool) -> None:
    """In a user's app too, generated clients must not demand a session to log in, and the
    user's own protected routes keep requiring one; also when the app composes its own
    lifespan (``wxsession_lifespan`` and ``install`` instead of ``setup``)."""
    from fastapi import Depends, FastAPI

    from wxsession.integrations import fastapi as wxs
    from wxsession.settings import Settings

    settings = Settings(appid="wx0123456789abcdef", secret="s")
    if own_lifespan:
        app = FastAPI(lifespan=wxs.wxsession_lifespan(settings))
        wxs.install(app)
    else:
        app = FastAPI()
        wxs.setup(app, settings)
    app.include_router(wxs.router)

    @app.post("/orders", dependencies=[Depends(wxs.current_user)])
    async def orders(order: dict[str, str]) -> dict[str, str]:
        return order

    document = app.openapi()
    assert document["paths"]["/v1/auth/wechat/login"]["post"]["security"] == [
        {},
        {"session": []},
    ]
    assert document["paths"]["/orders"]["post"]["security"] == [{"session": []}]
    assert set(document["components"]["securitySchemes"]) == {"session"}
    assert "413" not in document["paths"]["/orders"]["post"]["responses"]


class BodyCounter:
    """ASGI middleware counting the request-body bytes the app under it receives."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.received = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted() -> Message:
            message = await receive()
            self.received += len(message.get("body", b""))
            return message

        await self.app(scope, counted, send)


def _post_big_orders(service: Service, headers: dict[str, str]) -> tuple[Reply, int]:
    """POST /orders to the example over real HTTP with a JSON body far over the limit: the
    reply and the bytes of that body the app received."""
    token = service.session_for("fab")
    counter = BodyCounter(create_app(service.settings))
    with serve_in_thread(counter) as url, httpx.Client(base_url=url, timeout=30) as client:
        response = client.post(
            "/orders",
            content=json_body(token, BIG),
            headers={"Content-Type": "application/json", **headers},
        )
        reply = Reply(response.status_code, response.json(), response.headers)
        received = counter.received
        small = client.post("/orders", content=json_body(token, 1024), headers=headers)
        assert small.status_code == 200, small.text  # the same route, within the limit
    return reply, received


def test_the_body_carrier_reads_no_body_over_the_limit(make_service: Any) -> None:
    """Issue 20 point 3: a 114 MB JSON body on a protected route took 1.6 GB. With the body
    carrier, a body over ``max_body_bytes`` is now 413 PAYLOAD_TOO_LARGE, none of it read."""
    service: Service = make_service(carriers=["header", "body"])
    reply, received = _post_big_orders(service, {"Content-Type": "application/json"})
    assert_error(reply, 413, "PAYLOAD_TOO_LARGE")
    assert received == 0


def test_without_the_body_carrier_no_body_is_read(service: Service) -> None:
    token = service.session_for("fal")
    reply, received = _post_big_orders(service, {**bearer(token)})
    assert reply.status == 200, reply.body
    assert received == 0


def test_the_dependencies_can_be_awaited_in_a_routes_body(service: Service) -> None:
    """docs/integrations.md: on a hot route, ``await wxs.current_user(request)`` in the body
    runs the same checks without FastAPI's dependency solving (bench/user_app.py's
    ``/inline``). The dependencies' ``response`` (for ``no-store``) must stay optional."""
    app = create_app(service.settings)

    @app.get("/inline")
    async def inline(request: Request) -> dict[str, object]:
        user = await wxs.current_user(request)
        active = await wxs.require_session(request)
        return {"user_id": user.id, "same": active.record.user_id == user.id}

    token = service.session_for("ina")
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=15) as client:
        answer = client.get("/inline", headers=bearer(token))
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"user_id": service.get("/v1/me", token).json()["id"], "same": True}
        refused = client.get("/inline")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "SESSION_MISSING"


def test_a_cache_hit_answers_as_a_miss_does(service: Service) -> None:
    """The first request reads the store (and caches the session), the next ones are hits
    resolved without awaiting (``dependencies._hit``): the same body and one ``no-store``."""
    token = service.session_for("hot")
    with example_client(service) as (client, _):
        replies = [client.get("/orders", headers=bearer(token)) for _ in range(3)]
    assert [reply.status_code for reply in replies] == [200, 200, 200]
    assert len({reply.content for reply in replies}) == 1
    for reply in replies:
        assert reply.headers.get_list("cache-control") == ["no-store"]
