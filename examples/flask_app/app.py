"""A tiny Flask shop whose /orders route is protected by wxsession sessions, /reports by a
permission and /staff by a role.

Run: ``flask --app examples.flask_app.app run`` (settings from WXSESSION_*).
"""

from __future__ import annotations

from flask import Flask

from wxsession import Settings
from wxsession.integrations.flask import (
    WxSession,
    current_user,
    login_required,
    require_permission,
    require_role,
)


def create_app(settings: Settings | None = None) -> Flask:
    app = Flask(__name__)
    WxSession(app, settings=settings)

    @app.route("/orders", methods=["GET", "POST"])
    @login_required
    def orders() -> dict[str, object]:
        return {"user_id": current_user.id, "orders": []}

    @app.get("/reports")
    @require_permission("reports:read")
    def reports() -> dict[str, object]:
        return {"user_id": current_user.id, "permissions": sorted(current_user.permissions)}

    @app.get("/staff")
    @require_role("staff", "admin")
    def staff() -> dict[str, object]:
        return {"user_id": current_user.id, "roles": sorted(current_user.roles)}

    return app
