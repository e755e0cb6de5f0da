"""examples/django_app with django.test.Client, on the service's Redis and database, and the
same view written async (``tests/unit/integrations/django_urls.py``) through ``AsyncClient``.

Django's settings are process-wide: they are configured here once from the example's
settings module, and each test overrides ``WXSESSION`` with its service's stores. A new
``Client`` builds a new handler, so the middleware reads the overridden settings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import django
import pytest
from django.conf import settings
from django.test import AsyncClient, Client, override_settings
from examples.django_app import settings as example_settings

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
    refuses_pending,
    refuses_the_cookie_twice,
    refuses_two_tokens,
)
from wxsession.integrations.django import close_runtimes


@pytest.fixture(scope="module", autouse=True)
def django_configured() -> None:
    if not settings.configured:
        names = [name for name in dir(example_settings) if name.isupper()]
        settings.configure(**{name: getattr(example_settings, name) for name in names})
        django.setup()


def _wxsession_settings(service: Service) -> dict[str, Any]:
    """The service's settings as the ``WXSESSION`` dict a Django project would write."""
    return {
        "appid": service.settings.appid,
        "secret": service.settings.own_apps()[0].secret.get_secret_value(),
        "database_url": service.settings.database_url,
        "session_store": service.settings.session_store,
        "carriers": service.settings.carriers,
    }


ASYNC_VIEWS = "tests.unit.integrations.django_urls"


@contextmanager
def django_client(service: Service, *, asynchronous: bool = False) -> Iterator[Get]:
    """A ``Get`` on the example's sync view, or with ``asynchronous`` on the same view written
    async, served by Django's ASGI handler (each request on a fresh event loop)."""
    urls = {"ROOT_URLCONF": ASYNC_VIEWS} if asynchronous else {}
    with override_settings(WXSESSION=_wxsession_settings(service), WXSESSION_TIMEOUT=5, **urls):
        # A Host header as every HTTP/1.1 client sends (AsyncClient sends one already).
        client = Client(raise_request_exception=False, HTTP_HOST="testserver")
        async_client = AsyncClient(raise_request_exception=False)

        def get(path: str, headers: Mapping[str, str], method: str = "GET") -> Reply:
            # The Cookie header as sent (the clients' jars would keep one of two same-named
            # cookies); AsyncClient adds its own, empty one, which Django joins to ours.
            sent = dict(headers)
            if asynchronous:
                response = asyncio.run(async_client.generic(method, path, headers=sent))
            else:
                response = client.generic(method, path, headers=sent)
            return Reply(response.status_code, response.json(), response.headers)

        try:
            yield get
        finally:
            close_runtimes()


BOTH = pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])


@BOTH
def test_protects_its_route(service: Service, asynchronous: bool) -> None:
    with django_client(service, asynchronous=asynchronous) as get:
        protects_orders(get, service)


@BOTH
def test_requires_permissions_and_roles(service: Service, asynchronous: bool) -> None:
    with django_client(service, asynchronous=asynchronous) as get:
        checks_roles(get, service)


@BOTH
def test_refuses_a_pending_session(make_service: Any, asynchronous: bool) -> None:
    service: Service = make_service(registration="explicit")
    with django_client(service, asynchronous=asynchronous) as get:
        refuses_pending(get, service)


@BOTH
def test_refuses_two_tokens(make_service: Any, asynchronous: bool) -> None:
    service: Service = make_service(carriers=["header", "cookie"])
    with django_client(service, asynchronous=asynchronous) as get:
        refuses_two_tokens(get, service)


@BOTH
def test_refuses_the_cookie_twice(make_service: Any, asynchronous: bool) -> None:
    service: Service = make_service(carriers=["header", "cookie"])
    with django_client(service, asynchronous=asynchronous) as get:
        refuses_the_cookie_twice(get, service)


@BOTH
def test_refuses_cross_site_cookie_posts(make_service: Any, asynchronous: bool) -> None:
    service: Service = make_service(carriers=["header", "cookie"])
    with django_client(service, asynchronous=asynchronous) as get:
        refuses_cross_site_cookie_posts(get, service, "testserver")


@BOTH
def test_fails_closed_when_redis_stops(
    down_service: tuple[Service, RedisProcess], asynchronous: bool
) -> None:
    service, redis = down_service
    with django_client(service, asynchronous=asynchronous) as get:
        fails_closed(get, service, redis)


def test_an_async_view_waits_for_the_store_without_blocking_its_event_loop(
    down_service: tuple[Service, RedisProcess],
) -> None:
    """While an async view awaits a check held up by a hung store, its event loop keeps
    serving (a ticker on the same loop runs throughout), and the check still fails closed."""
    service, redis = down_service
    seen, unseen = service.session_for("ayla"), service.session_for("bo")
    ticks: list[None] = []

    async def scenario() -> tuple[int, str]:
        client = AsyncClient(raise_request_exception=False)
        assert (await client.get("/orders", headers=bearer(seen))).status_code == 200
        redis.pause()  # a token this process never saw: its check must wait for the store
        stop = asyncio.Event()

        async def ticker() -> None:
            while not stop.is_set():
                ticks.append(None)
                await asyncio.sleep(0.01)

        ticking = asyncio.create_task(ticker())
        try:
            response = await client.get("/orders", headers=bearer(unseen))
        finally:
            stop.set()
            await ticking
            redis.resume()
        return response.status_code, response.json()["error"]["code"]

    with override_settings(
        WXSESSION=_wxsession_settings(service), WXSESSION_TIMEOUT=1, ROOT_URLCONF=ASYNC_VIEWS
    ):
        try:
            assert asyncio.run(scenario()) == (503, "SESSION_STORE_UNAVAILABLE")
        finally:
            close_runtimes()
    assert len(ticks) >= 20  # a check blocking the loop would have let it tick once or twice


@pytest.mark.parametrize(("asynchronous", "path"), [(False, "/whoami"), (True, "/awhoami")])
def test_lazy_user_outside_the_decorator_renders_through_the_middleware(
    service: Service, asynchronous: bool, path: str
) -> None:
    """A view without ``login_required`` asking for the user (``request.wxsession.user``,
    or ``await request.wxsession.auser()``) with no token gets the same 401 body, via the
    middleware's ``process_exception``."""
    with (
        override_settings(ROOT_URLCONF=ASYNC_VIEWS),
        django_client(service, asynchronous=asynchronous) as get,
    ):
        assert_error(get(path, {}), 401, "SESSION_MISSING")
        login = service.login("lin").json()
        reply = get(path, bearer(login["session_id"]))
        assert reply.body == {"user_id": login["user"]["id"]}


@BOTH
def test_the_body_carrier_refuses_a_body_over_the_limit(
    make_service: Any, asynchronous: bool
) -> None:
    """Issue 20 point 3, as in Flask: with the body carrier, a JSON body over
    ``max_body_bytes`` on a protected view is 413 PAYLOAD_TOO_LARGE (it was read and
    parsed whole); within the limit the carrier finds the session."""
    service: Service = make_service(carriers=["header", "body"])
    token = service.session_for("dab")
    with override_settings(WXSESSION=_wxsession_settings(service), WXSESSION_TIMEOUT=5):
        try:
            for size, status in ((BIG, 413), (service.settings.max_body_bytes, 200)):
                body = json_body(token, size)
                if asynchronous:
                    client = AsyncClient(raise_request_exception=False)
                    post = client.post("/orders", body, content_type="application/json")
                    response = asyncio.run(post)
                else:
                    response = Client(raise_request_exception=False).post(
                        "/orders", body, content_type="application/json"
                    )
                assert response.status_code == status, response.content[:200]
            assert response.json()["user_id"]
        finally:
            close_runtimes()
