"""A tiny Flask shop whose /orders route is protected by wxsession sessions.

Run: ``flask --app examples.flask_app.app run`` (settings from WXSESSION_*).
"""

from __future__ import annotations

from flask import Flask

from wxsession import Settings
from wxsession.integrations.flask import WxSession, current_user, login_required


def create_app(settings: Settings | None = None) -> Flask:
    app = Flask(__name__)
    WxSession(app, settings=settings)

    @app.route("/orders", methods=["GET", "POST"])
    @login_required
    def orders() -> dict[str, object]:
        return {"user_id": current_user.id, "orders": []}

    return app
