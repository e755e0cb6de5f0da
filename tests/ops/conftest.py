"""The ops tests reuse the real-server fixtures of tests/server: a uvicorn server talking to
an emulator over HTTP, on SQLite or on Redis + PostgreSQL."""

from tests.server.conftest import backend, make_service, service

__all__ = ["backend", "make_service", "service"]
