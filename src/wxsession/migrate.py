"""Bringing the SQL schema up to date with Alembic, from inside an async application.

Alembic's command API is synchronous; we run it on an async connection through
``run_sync`` and hand the connection to ``env.py``, so the same code path serves ``serve``
(auto-migrate at start), ``wxsession db upgrade`` and the tests. On PostgreSQL a
transaction-scoped advisory lock serialises instances that start at the same time: the first
applies the migrations, the others wait, then find nothing left to do. Several instances
started at once are therefore safe; a deploy of many instances still runs ``wxsession db
upgrade`` once and starts them with ``WXSESSION_AUTO_MIGRATE=false`` (docs/deployment.md).
"""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

# Imported for their tables, which register themselves in Base.metadata.
import wxsession.accounts.models
import wxsession.accounts.operator_models
import wxsession.audit_log.table
import wxsession.platforms.wechat.token_table
import wxsession.sessions.ended
import wxsession.sessions.sql
import wxsession.throttle.sql  # noqa: F401
from wxsession.db import Base, engine_for
from wxsession.settings import Settings
from wxsession.startup import database_errors

_ADVISORY_LOCK_ID = 0x77785345  # "wxSE"


def target_metadata() -> MetaData:
    """The metadata of every table (their modules, imported above, register them)."""
    return Base.metadata


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("wxsession") / "migrations"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(engine: AsyncEngine) -> None:
    """Apply every pending migration."""
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:id)"), {"id": _ADVISORY_LOCK_ID}
            )
        await connection.run_sync(_upgrade_sync)


async def upgrade_database(settings: Settings) -> str | None:
    """Migrate the database ``settings`` name on an engine of its own (no statement time
    limit, see :func:`~wxsession.db.engine_for`); returns the revision it is now at. A
    database that cannot be reached or opened is a :class:`~wxsession.startup.StartupError`."""
    engine = engine_for(settings, migrations=True)
    try:
        with database_errors(settings.database_url):
            async with engine.connect():
                pass  # a failure here is the database's reachability, not a migration's
        await upgrade(engine)
        return await current_revision(engine)
    finally:
        await engine.dispose()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_current_sync)


def _upgrade_sync(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _current_sync(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
