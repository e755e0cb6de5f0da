"""A database that cannot be opened at start-up, told in one line an operator can act on.

``serve``, ``db upgrade`` and ``admin`` used to print a 200-line traceback for a PostgreSQL
that refuses connections or a SQLite path that cannot be opened. :func:`database_errors`
turns those failures into :class:`StartupError`: the setting, where it points (never the
password) and the cause.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

SETTING = "WXSESSION_DATABASE_URL"


class StartupError(Exception):
    """The database could not be opened; the message names the setting and the cause."""


@contextmanager
def database_errors(database_url: str) -> Iterator[None]:
    """Raise :class:`StartupError` (from the original) for a database that cannot be
    reached or opened inside this block: refused, unknown host, timed out, bad
    password, missing database, unopenable file."""
    try:
        yield
    except (OSError, DBAPIError) as exc:  # connecting: every such error is the database's
        raise StartupError(describe(database_url, exc)) from exc


def describe(database_url: str, exc: BaseException) -> str:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        what = f"cannot open the SQLite database {url.database or ':memory:'}"
    else:
        socket_dir = url.query.get("host")  # ?host=/run/postgresql: a Unix socket
        where = f"{url.host or socket_dir or 'localhost'}:{url.port or 5432}"
        what = f"cannot connect to PostgreSQL at {where}, database {url.database}"
    cause = _cause(exc)
    if url.password:
        cause = cause.replace(str(url.password), "***")
    return f"{SETTING}: {what} ({cause})"


def _cause(exc: BaseException) -> str:
    original = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    original = original.__cause__ or original  # SQLAlchemy's asyncpg adapter wraps the error
    if isinstance(original, TimeoutError):
        return "timed out"
    errno = original.errno if isinstance(original, OSError) else None
    if errno is not None and errno > 0:
        text = os.strerror(errno)  # "Connection refused", not uvloop's own wording
    elif isinstance(original, OSError) and original.strerror:
        text = original.strerror  # getaddrinfo's errors have negative numbers
    else:
        text = next(iter(str(original).strip().splitlines()), "")
    return (text[:1].lower() + text[1:]) or type(original).__name__
