"""examples/flask_app with Flask's test client, on the service's Redis and database."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from examples.flask_app.app import create_app
from flask import Flask

from devtools.servers import RedisProcess
from tests.support.service import Service, bearer
from tests.unit.integrations.bodies import BIG, CountingInput, json_body
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
from wxsession.integrations.flask import WxSession, current_user, optional_session
from wxsession.settings import Settings
from wxsession.startup import StartupError
from wxsession.sync import SyncRuntime


@contextmanager
def flask_client(app: Flask) -> Iterator[Get]:
    client = app.test_client(use_cookies=False)  # the Cookie header as sent

    def get(path: str, headers: Mapping[str, str], method: str = "GET") -> Reply:
        response = client.open(path, method=method, headers=dict(headers))
        return Reply(response.status_code, response.get_json(), response.headers)

    try:
        yield get
    finally:
        runtime = app.extensions["wxsession"]
        assert isinstance(runtime, SyncRuntime)
        runtime.close()


def test_protects_its_route(service: Service) -> None:
    with flask_client(create_app(service.settings)) as get:
        protects_orders(get, service)


def test_refuses_a_pending_session(make_service: Any) -> None:
    service: Service = make_service(registration="explicit")
    with flask_client(create_app(service.settings)) as get:
        refuses_pending(get, service)


def test_requires_permissions_and_roles(service: Service) -> None:
    with flask_client(create_app(service.settings)) as get:
        checks_roles(get, service)


def test_refuses_two_tokens(make_service: Any) -> None:
    service: Service = make_service(carriers=["header", "cookie"])
    with flask_client(create_app(service.settings)) as get:
        refuses_two_tokens(get, service)


def test_refuses_the_cookie_twice(make_service: Any) -> None:
    service: Service = make_service(carriers=["header", "cookie"])
    with flask_client(create_app(service.settings)) as get:
        refuses_the_cookie_twice(get, service)


def test_refuses_cross_site_cookie_posts(make_service: Any) -> None:
    service: Service = make_service(carriers=["header", "cookie"])
    with flask_client(create_app(service.settings)) as get:
        refuses_cross_site_cookie_posts(get, service, "localhost")


def test_fails_closed_when_redis_stops(down_service: tuple[Service, RedisProcess]) -> None:
    service, redis = down_service
    with flask_client(create_app(service.settings)) as get:
        fails_closed(get, service, redis)


def test_optional_session_and_lazy_user_on_an_open_route(service: Service) -> None:
    """``optional_session()`` is None without a token; ``current_user`` without one is 401."""
    app = Flask(__name__)
    extension = WxSession(settings=service.settings)
    extension.init_app(app)

    @app.get("/greeting")
    def greeting() -> dict[str, object]:
        return {"signed_in": optional_session() is not None}

    @app.get("/whoami")
    def whoami() -> dict[str, object]:
        return {"user_id": current_user.id}

    login = service.login("ivy").json()
    client = app.test_client()
    try:
        assert client.get("/greeting").get_json() == {"signed_in": False}
        auth = bearer(login["session_id"])
        assert client.get("/greeting", headers=auth).get_json() == {"signed_in": True}
        assert client.get("/whoami", headers=auth).get_json() == {"user_id": login["user"]["id"]}
        reply = client.get("/whoami")
        assert_error(
            Reply(reply.status_code, reply.get_json(), reply.headers), 401, "SESSION_MISSING"
        )
    finally:
        extension.close()


def test_bad_settings_fail_at_init_app() -> None:
    app = Flask(__name__)
    settings = Settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        WxSession(app, settings=settings, timeout=1)
    except StartupError:
        pass  # connection refused, raised at start-up rather than at the first request
    else:
        raise AssertionError("init_app opened a runtime on an unreachable database")
    assert "wxsession" not in app.extensions


def _post_orders(app: Flask, body: bytes, headers: Mapping[str, str]) -> tuple[Reply, int]:
    """POST /orders with a JSON ``body`` of declared length: the reply, and the bytes of
    the body the app read."""
    stream = CountingInput(body)
    response = app.test_client().post(
        "/orders",
        input_stream=stream,
        content_length=len(body),
        content_type="application/json",
        headers=dict(headers),
    )
    return Reply(response.status_code, response.get_json(), response.headers), stream.read_bytes


def test_the_body_carrier_reads_no_body_over_the_limit(make_service: Any) -> None:
    """Issue 20 point 3: a large JSON body on a protected route was read whole (and parsed
    on the loop thread every request's check shares). Over ``max_body_bytes`` it is now
    413 PAYLOAD_TOO_LARGE with none of it read; within, the body carrier works."""
    service: Service = make_service(carriers=["header", "body"])
    token = service.session_for("bea")
    app = create_app(service.settings)
    try:
        reply, read = _post_orders(app, json_body(token, BIG), {})
        assert_error(reply, 413, "PAYLOAD_TOO_LARGE")
        assert read == 0
        small = json_body(token, service.settings.max_body_bytes)
        reply, read = _post_orders(app, small, {})
        assert reply.status == 200, reply.body
        assert read == len(small)
    finally:
        app.extensions["wxsession"].close()


def test_without_the_body_carrier_no_body_is_read(service: Service) -> None:
    """The header carrier (the default): a large body is none of our business."""
    token = service.session_for("bel")
    app = create_app(service.settings)
    try:
        reply, read = _post_orders(app, json_body(token, BIG), bearer(token))
        assert reply.status == 200, reply.body
        assert read == 0
    finally:
        app.extensions["wxsession"].close()
