"""A tiny FastAPI shop whose /orders route is protected by wxsession sessions, /reports by a
permission and /staff by a role.

Run: ``uvicorn examples.fastapi_app.app:create_app --factory`` (settings from WXSESSION_*).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI

from wxsession import Settings, UserView
from wxsession.integrations import fastapi as wxs


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(title="orders (FastAPI)")
    wxs.setup(app, settings)
    app.include_router(wxs.router)  # login / logout / me / introspection on this app too

    @app.api_route("/orders", methods=["GET", "POST"], operation_id="orders")
    async def orders(user: Annotated[UserView, Depends(wxs.current_user)]) -> dict[str, object]:
        return {"user_id": user.id, "orders": []}

    @app.get("/reports")
    async def reports(
        user: Annotated[UserView, Depends(wxs.require_permission("reports:read"))],
    ) -> dict[str, object]:
        return {"user_id": user.id, "permissions": sorted(user.permissions)}

    @app.get("/staff")
    async def staff(
        user: Annotated[UserView, Depends(wxs.require_role("staff", "admin"))],
    ) -> dict[str, object]:
        return {"user_id": user.id, "roles": sorted(user.roles)}

    return app
