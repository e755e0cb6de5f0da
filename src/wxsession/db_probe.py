"""Whether the database takes writes, for ``/readyz`` (issue 19): a database that answers
reads but refuses writes (a PostgreSQL standby after a failover, a role or database set
``default_transaction_read_only``, an SQLite file this process opened read-only) cannot serve
a login, so the instance is not ready.

The probe writes nothing: in a transaction it updates the migration row to itself and rolls
back. That is enough for both engines to refuse: PostgreSQL rejects any ``UPDATE`` in a
read-only transaction at once, and SQLite must take its write lock first (waiting, at most
the readiness check's bound, while another connection holds it). One indexed row, no commit,
no table of its own.
"""

from __future__ import annotations

import sqlite3
from typing import Literal

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

_WRITE = text("UPDATE alembic_version SET version_num = version_num")

READ_ONLY_SQLSTATE = "25006"
"""PostgreSQL's ``read_only_sql_transaction``."""

Verdict = Literal["ok", "read_only"]


async def write_verdict(engine: AsyncEngine) -> Verdict:
    """``ok`` when a write would be taken, ``read_only`` when the database refuses writes;
    anything else (unreachable, timed out) is raised to the caller."""
    async with engine.connect() as conn:
        try:
            await conn.execute(_WRITE)
        except DBAPIError as exc:
            if _refuses_writes(exc.orig):
                return "read_only"
            raise
        finally:
            await conn.rollback()
    return "ok"


def _refuses_writes(error: BaseException | None) -> bool:
    if isinstance(error, sqlite3.Error):
        return getattr(error, "sqlite_errorname", "") == "SQLITE_READONLY"
    return getattr(error, "sqlstate", None) == READ_ONLY_SQLSTATE
