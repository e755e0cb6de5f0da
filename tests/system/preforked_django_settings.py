"""The example project's settings with ``preforked_apps`` as URLconf (for gunicorn)."""

from __future__ import annotations

from examples.django_app.settings import (  # noqa: F401  (Django reads module globals)
    ALLOWED_HOSTS,
    DATABASES,
    DEBUG,
    INSTALLED_APPS,
    MIDDLEWARE,
    SECRET_KEY,
    WXSESSION,
    WXSESSION_TIMEOUT,
)

ROOT_URLCONF = "tests.system.preforked_apps"
