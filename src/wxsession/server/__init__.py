"""The HTTP service: FastAPI routes and glue around :mod:`wxsession.services`."""
