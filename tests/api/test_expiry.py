"""Idle timeout (sliding) and absolute lifetime, proved by moving the clock."""

from __future__ import annotations

from typing import Any

from tests.support.service import Service


def test_idle_session_expires_then_is_gone(service: Service) -> None:
    token = service.session_for("kim")
    service.clock.advance(7200 + 1)
    expired = service.get("/v1/me", token)
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "SESSION_EXPIRED"
    # The expired record was removed, not just refused.
    assert service.get("/v1/me", token).json()["error"]["code"] == "SESSION_INVALID"


def test_use_slides_the_idle_timeout(service: Service) -> None:
    token = service.session_for("lee")
    for _ in range(3):
        service.clock.advance(7000)
        assert service.get("/v1/me", token).status_code == 200
    service.clock.advance(7201)
    assert service.get("/v1/me", token).json()["error"]["code"] == "SESSION_EXPIRED"


def test_absolute_lifetime_holds_while_active(make_service: Any) -> None:
    service: Service = make_service(session_ttl=3600, session_max_age=7200)
    token = service.session_for("max")
    service.clock.advance(3000)
    assert service.get("/v1/me", token).status_code == 200
    service.clock.advance(3000)
    assert service.get("/v1/me", token).status_code == 200
    service.clock.advance(1201)  # 7201 s after login, though used 1201 s ago
    assert service.get("/v1/me", token).json()["error"]["code"] == "SESSION_EXPIRED"


def test_configured_ttl_is_reported(make_service: Any) -> None:
    service: Service = make_service(session_ttl=600)
    assert service.login("nia").json()["expires_in"] == 600
