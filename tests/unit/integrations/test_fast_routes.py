"""The pure-ASGI answers of GET /v1/me and GET /v1/session/introspect (server/fast_routes.py)
are the FastAPI routes' answers: compared byte for byte with the same routes mounted in a
user's app (``wxs.router``), where no fast path runs, on the same stores."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.support.logs import attached
from tests.support.service import Service
from wxsession.integrations import fastapi as wxs
from wxsession.server.app import create_app
from wxsession.server.background import serve_in_thread
from wxsession.settings import Settings

COMPARED_HEADERS = ("content-type", "cache-control", "www-authenticate")


@pytest.fixture
def plain_routes(service: Service) -> Iterator[httpx.Client]:
    app = FastAPI()
    wxs.setup(app, service.settings, clock=service.clock)
    app.include_router(wxs.router)
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=15) as client:
        yield client


def answer(response: httpx.Response) -> tuple[int, bytes, dict[str, str | None]]:
    return (
        response.status_code,
        response.content,
        {name: response.headers.get(name) for name in COMPARED_HEADERS},
    )


@pytest.mark.parametrize("path", ["/v1/me", "/v1/session/introspect"])
def test_fast_path_answers_as_the_route_does(
    service: Service, plain_routes: httpx.Client, path: str
) -> None:
    token = service.session_for("fast")
    renamed = service.http.put(
        "/v1/me/profile", json={"nickname": "快路 ✓"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert renamed.status_code == 200, renamed.text
    cases = {
        "valid": {"Authorization": f"Bearer {token}"},
        "missing": {},
        "malformed": {"Authorization": "Bearer not-a-token"},
        "unknown": {"Authorization": "Bearer " + "A" * 43},
        "junk of a token's length": {"Authorization": "Bearer " + "*" * 43},
        "not ASCII, a token's length": {"Authorization": b"Bearer " + b"\xe9" * 43},
    }
    for name, headers in cases.items():
        fast = service.http.get(path, headers=headers)
        plain = plain_routes.get(path, headers=headers)
        if path.endswith("introspect") and name == "valid":  # expires_in may tick between
            assert (fast.status_code, fast.json().keys()) == (200, plain.json().keys())
            assert abs(fast.json()["expires_in"] - plain.json()["expires_in"]) <= 2
            assert answer(fast)[2] == answer(plain)[2]
        else:
            assert answer(fast) == answer(plain), name


@pytest.fixture
def access_lines() -> Iterator[list[logging.LogRecord]]:
    """The access lines written in this process while the test runs."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = records.append  # type: ignore[method-assign]
    with attached(handler, "wxsession.access", logging.INFO):
        yield records


@pytest.mark.parametrize("path", ["/v1/me", "/v1/session/introspect"])
def test_fast_path_names_the_request_and_logs_it_like_every_route(
    service: Service, access_lines: list[logging.LogRecord], path: str
) -> None:
    token = service.session_for("named")
    ok = service.http.get(
        path, headers={"Authorization": f"Bearer {token}", "X-Request-Id": "proxy-7f3a"}
    )
    refused = service.http.get(path)
    assert ok.status_code == 200 and ok.headers["x-request-id"] == "proxy-7f3a"
    assert refused.status_code == 401 and len(refused.headers["x-request-id"]) == 16
    assert [refused.headers.get_list("x-request-id")] == [[refused.headers["x-request-id"]]]
    lines = [(r.path, r.status) for r in access_lines if r.path == path]  # type: ignore[attr-defined]
    assert lines == [(path, 200), (path, 401)]
    assert all("named" not in r.getMessage() and token not in r.getMessage() for r in access_lines)


def test_an_unexpected_failure_is_a_500_that_names_its_request(
    tmp_path: Path, access_lines: list[logging.LogRecord]
) -> None:
    """On the fast path and on an ordinary route alike: the JSON error body, the request id a
    client can quote, and the access line; the failure is logged, nothing else is exposed."""
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'users.db'}")
    app = create_app(settings)
    with serve_in_thread(app) as url, httpx.Client(base_url=url) as http:
        code = http.post("/_emulator/login", json={"user": "boom"}).json()["code"]
        token = http.post("/v1/auth/wechat/login", json={"code": code}).json()["session_id"]
        sessions = app.state.wxsession.sessions

        async def broken(*_: object) -> None:
            raise RuntimeError("a bug, not anything the client sent")

        sessions.resolve = broken  # a defect injected into our own code, not a fake store
        for path in ("/v1/me", "/v1/sessions"):
            answer = http.get(path, headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 500, path
            assert answer.json()["error"]["code"] == "INTERNAL_ERROR"
            assert "a bug" not in answer.text
            assert len(answer.headers["x-request-id"]) == 16
            assert [r.status for r in access_lines if r.path == path] == [500]  # type: ignore[attr-defined]


def test_fast_login_answers_as_the_route_does(service: Service, plain_routes: httpx.Client) -> None:
    """``POST /v1/auth/wechat/login``: a valid body is answered on the fast path, anything
    else is handed to FastAPI with its body replayed, so every answer matches the route's."""
    login = "/v1/auth/wechat/login"
    json_type = {"Content-Type": "application/json"}
    for name in ("valid", "unknown code"):
        code = service.wx_code("fastlogin") if name == "valid" else "no-such-code"
        fast = service.http.post(login, json={"code": code})
        plain_code = service.wx_code("fastlogin") if name == "valid" else "no-such-code"
        plain = plain_routes.post(login, json={"code": plain_code})
        assert fast.status_code == plain.status_code, name
        assert answer(fast)[2] == answer(plain)[2], name
        assert fast.json().keys() == plain.json().keys(), name
        assert len(fast.headers["x-request-id"]) == 16
    assert fast.json()["error"] == plain.json()["error"]
    handed_over = {
        "not JSON": (b"{", json_type),
        "no code": (b"{}", json_type),
        "an extra field": (b'{"code": "abc", "more": 1}', json_type),
        "a code of the wrong shape": (b'{"code": "two words"}', json_type),
        "not a JSON content type": (b'{"code": "abc"}', {"Content-Type": "text/plain"}),
        "no content type": (b'{"code": "abc"}', {}),
    }
    for name, (content, headers) in handed_over.items():
        fast = service.http.post(login, content=content, headers=headers)
        plain = plain_routes.post(login, content=content, headers=headers)
        assert fast.status_code in (400, 415, 422), (name, fast.status_code)
        assert answer(fast) == answer(plain), name
        assert len(fast.headers["x-request-id"]) == 16, name
    too_large = b'{"code": "' + b"a" * service.settings.max_body_bytes + b'"}'
    refused = service.http.post(login, content=too_large, headers=json_type)
    assert refused.status_code == 413 and refused.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
