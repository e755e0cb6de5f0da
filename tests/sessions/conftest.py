"""Fixtures shared by the session tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from wxsession import migrate
from wxsession.accounts.repository import AccountRepository
from wxsession.db import create_engine


@pytest.fixture
async def accounts(sqlite_url: str) -> AsyncIterator[AccountRepository]:
    """The real user repository on a migrated SQLite database of the test's own."""
    engine = create_engine(sqlite_url)
    try:
        await migrate.upgrade(engine)
        yield AccountRepository(engine)
    finally:
        await engine.dispose()
