"""The pure-ASGI answers of GET /v1/me and GET /v1/session/introspect (server/fast_routes.py)
are the FastAPI routes' answers: compared byte for byte with the same routes mounted in a
user's app (``wxs.router``), where no fast path runs, on the same stores."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from tests.server.conftest import Service
from wxsession.integrations import fastapi as wxs
from wxsession.server.background import serve_in_thread

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
