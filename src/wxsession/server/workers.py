"""One worker process of ``wxsession serve --workers N``: uvicorn starts each as a fresh
interpreter and builds its app from this factory, by name.

The parent has already checked the settings, migrated the database and put its command-line
overrides into the environment, so each worker reads the same settings. Each opens its own
runtime: its own pools, and its own hot-session cache, kept current with the others'
changes by Redis pub/sub or, on SQLite, by ``PRAGMA data_version`` and the announcements
table (:mod:`wxsession.sessions.sql_feed`). In dev mode each worker has its own emulator: a
code is good on the worker that issued it.
"""

from __future__ import annotations

from fastapi import FastAPI

from wxsession.logging_setup import configure_logging
from wxsession.server.app import create_app
from wxsession.server.slow_clients import GuardedHttpProtocol
from wxsession.settings import load_settings


def worker_app() -> FastAPI:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    GuardedHttpProtocol.bound(
        header_timeout=settings.http_header_timeout,
        body_timeout=settings.http_body_timeout,
        max_connections=settings.max_connections,
    )
    return create_app(settings)
