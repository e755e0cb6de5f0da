"""A user's own FastAPI app protects its routes with our dependencies, on the same stores."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, HTTPException

from tests.support.service import Service
from wxsession.core.session import ActiveSession
from wxsession.core.user import UserView
from wxsession.integrations.fastapi import (
    current_user,
    install,
    optional_session,
    wxsession_lifespan,
)
from wxsession.server.background import serve_in_thread


def _orders_app(service: Service) -> FastAPI:
    app = FastAPI(lifespan=wxsession_lifespan(service.settings))
    install(app)

    @app.get("/orders")
    async def orders(user: Annotated[UserView, Depends(current_user)]) -> dict[str, str]:
        return {"owner": user.id}

    @app.get("/greeting")
    async def greeting(
        session: Annotated[ActiveSession | None, Depends(optional_session)],
    ) -> dict[str, bool]:
        return {"signed_in": session is not None}

    @app.post("/coupons")
    async def coupon(user: Annotated[UserView, Depends(current_user)]) -> dict[str, str]:
        raise HTTPException(400, "This coupon has expired.")

    return app


def test_a_400_of_the_users_own_keeps_its_message(service: Service) -> None:
    """Only FastAPI's own "cannot read the body" 400 is our INVALID_REQUEST; a user's route
    raising HTTPException(400, ...) is answered with its own message (the unreadable bodies
    themselves: tests/api/test_input.py)."""
    token = service.login("cou").json()["session_id"]
    with serve_in_thread(_orders_app(service)) as url, httpx.Client(base_url=url) as client:
        auth = {"Authorization": f"Bearer {token}"}
        answer = client.post("/coupons", headers=auth)
        assert answer.status_code == 400
        assert answer.json()["error"]["message"] == "This coupon has expired."


def test_sessions_from_the_service_protect_the_users_app(service: Service) -> None:
    login = service.login("zoe").json()
    token = login["session_id"]
    with serve_in_thread(_orders_app(service)) as url, httpx.Client(base_url=url) as client:
        auth = {"Authorization": f"Bearer {token}"}
        assert client.get("/orders", headers=auth).json() == {"owner": login["user"]["id"]}
        assert client.get("/greeting").json() == {"signed_in": False}
        assert client.get("/greeting", headers=auth).json() == {"signed_in": True}
        refused = client.get("/orders")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "SESSION_MISSING"
        service.post("/v1/auth/logout", token)
        assert client.get("/orders", headers=auth).json()["error"]["code"] == "SESSION_INVALID"
