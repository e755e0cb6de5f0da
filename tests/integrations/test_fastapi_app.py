"""examples/fastapi_app served by a real uvicorn, on the service's Redis and database."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from examples.fastapi_app.app import create_app

from tests.integrations.conftest import bearer
from tests.integrations.scenario import (
    Get,
    Reply,
    fails_closed,
    protects_orders,
    refuses_two_tokens,
)
from tests.server.conftest import Service
from tests.support.servers import RedisProcess
from wxsession.server.background import serve_in_thread


@contextmanager
def example_client(service: Service) -> Iterator[tuple[httpx.Client, Get]]:
    with (
        serve_in_thread(create_app(service.settings)) as url,
        httpx.Client(base_url=url, timeout=15) as client,
    ):

        def get(path: str, headers: Mapping[str, str]) -> Reply:
            response = client.get(path, headers=dict(headers))
            return Reply(response.status_code, response.json(), response.headers)

        yield client, get


def test_protects_its_route(service: Service) -> None:
    with example_client(service) as (_, get):
        protects_orders(get, service)


def test_refuses_two_tokens(make_service: Any) -> None:
    service: Service = make_service(carriers=["header", "cookie"])
    with example_client(service) as (_, get):
        refuses_two_tokens(get, service)


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
