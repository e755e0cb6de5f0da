"""The apps ``test_preforked.py`` serves under gunicorn: the Flask example, and a Django
project on Django's default WSGI application, each with a protected route that names the
worker process answering (settings from ``WXSESSION_*``, as in production)."""

from __future__ import annotations

import os

from django.http import HttpRequest, JsonResponse
from django.urls import path
from examples.flask_app.app import create_app
from flask import Flask

from wxsession.integrations import django as wx_django
from wxsession.integrations import flask as wx_flask


def flask_app() -> Flask:
    """The Flask example plus ``GET /pid``: gunicorn's ``preforked_apps:flask_app()``."""
    app = create_app()

    @app.get("/pid")
    @wx_flask.login_required
    def pid() -> dict[str, object]:
        return {"user_id": wx_flask.current_user.id, "pid": os.getpid()}

    return app


@wx_django.login_required
def pid(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"user_id": request.wxsession.user.id, "pid": os.getpid()})


urlpatterns = [path("pid", pid)]
"""The URLconf of ``tests.system.preforked_django_settings``."""
