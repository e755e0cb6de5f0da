"""CORS at the edge (issue 26): preflight answered, exact origins echoed with credentials,
on the fast path (GET /v1/me) and on FastAPI's routes alike, errors included; nothing for an
origin not listed, nor when the setting is empty."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tests.support.service import Service
from wxsession.settings import Settings

ORIGIN = "https://h5.example.com"


def test_preflight_and_answers_on_both_paths(make_service: Any) -> None:
    service: Service = make_service(cors_origins=[ORIGIN, "https://admin.example.com"])
    preflight = service.http.options(
        "/v1/me",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()

    token = service.session_for("bea")
    for path in ("/v1/me", "/v1/sessions"):  # the fast path, then FastAPI's
        answer = service.http.get(
            path, headers={"Origin": ORIGIN, "Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 200, path
        assert answer.headers["access-control-allow-origin"] == ORIGIN, path
        assert "origin" in answer.headers["vary"].lower(), path
    refused = service.http.get("/v1/me", headers={"Origin": ORIGIN})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == ORIGIN
    assert "www-authenticate" in refused.headers["access-control-expose-headers"].lower()

    stranger = service.http.get(
        "/v1/me", headers={"Origin": "https://evil.example", "Authorization": f"Bearer {token}"}
    )
    assert "access-control-allow-origin" not in stranger.headers
    bad_preflight = service.http.options(
        "/v1/me",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert bad_preflight.status_code == 400
    assert "access-control-allow-origin" not in bad_preflight.headers


def test_no_cors_headers_without_the_setting(service: Service) -> None:
    answer = service.http.get("/v1/me", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in answer.headers


@pytest.mark.parametrize("value", ["*", "https://*.example.com", "https://h5.example.com/app"])
def test_wildcards_and_paths_are_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="cors_origins"):
        Settings(cors_origins=value)
