"""examples/django_app with django.test.Client, on the service's Redis and database.

Django's settings are process-wide: they are configured here once from the example's
settings module, and each test overrides ``WXSESSION`` with its service's stores. A new
``Client`` builds a new handler, so the middleware reads the overridden settings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import django
import pytest
from django.conf import settings
from django.test import Client, override_settings
from examples.django_app import settings as example_settings

from tests.integrations.conftest import bearer
from tests.integrations.scenario import (
    Get,
    Reply,
    assert_error,
    fails_closed,
    protects_orders,
    refuses_pending,
)
from tests.server.conftest import Service
from tests.support.servers import RedisProcess
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
        "secret": service.settings.effective_secret.get_secret_value(),
        "database_url": service.settings.database_url,
        "session_store": service.settings.session_store,
    }


@contextmanager
def django_client(service: Service) -> Iterator[Get]:
    with override_settings(WXSESSION=_wxsession_settings(service), WXSESSION_TIMEOUT=5):
        client = Client(raise_request_exception=False)

        def get(path: str, headers: Mapping[str, str]) -> Reply:
            response = client.get(path, headers=dict(headers))
            return Reply(response.status_code, response.json(), response.headers)

        try:
            yield get
        finally:
            close_runtimes()


def test_protects_its_route(service: Service) -> None:
    with django_client(service) as get:
        protects_orders(get, service)


def test_refuses_a_pending_session(make_service: Any) -> None:
    service: Service = make_service(registration="explicit")
    with django_client(service) as get:
        refuses_pending(get, service)


def test_fails_closed_when_redis_stops(down_service: tuple[Service, RedisProcess]) -> None:
    service, redis = down_service
    with django_client(service) as get:
        fails_closed(get, service, redis)


def test_lazy_user_outside_the_decorator_renders_through_the_middleware(service: Service) -> None:
    """A view without ``login_required`` asking for ``request.wxsession.user`` with no token
    gets the same 401 body, via the middleware's ``process_exception``."""
    with (
        override_settings(ROOT_URLCONF="tests.integrations.django_urls"),
        django_client(service) as get,
    ):
        assert_error(get("/whoami", {}), 401, "SESSION_MISSING")
        login = service.login("lin").json()
        reply = get("/whoami", bearer(login["session_id"]))
        assert reply.body == {"user_id": login["user"]["id"]}
