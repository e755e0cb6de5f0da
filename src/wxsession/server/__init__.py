"""The HTTP service: FastAPI routes and glue around :mod:`wxsession.auth`."""

from wxsession.server.app import create_app

__all__ = ["create_app"]
