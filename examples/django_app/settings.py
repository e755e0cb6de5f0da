"""Settings of a tiny Django project protected by wxsession (no Django database needed).

wxsession's own settings come from WXSESSION_* environment variables; any key of the
``WXSESSION`` dict below overrides them (the lower-case Settings field names).
"""

from __future__ import annotations

import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
ROOT_URLCONF = "examples.django_app.urls"
INSTALLED_APPS: list[str] = []
DATABASES: dict[str, object] = {}
MIDDLEWARE = ["wxsession.integrations.django.WxSessionMiddleware"]
WXSESSION: dict[str, object] = {}
WXSESSION_TIMEOUT = 5.0
