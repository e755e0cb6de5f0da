"""Alembic environment. Migrations run only through :mod:`wxsession.migrate`, which hands over
an open connection (see its docstring for why)."""

from __future__ import annotations

from alembic import context

from wxsession.migrate import target_metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations with `wxsession db upgrade`, not the alembic command.")

context.configure(connection=connection, target_metadata=target_metadata(), render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
