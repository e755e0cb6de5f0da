"""Fixtures shared by the session tests."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.accounts.repository import AccountRepository
from wxsession.data_keys import DataKeys


@pytest.fixture
def accounts(sqlite_engine: AsyncEngine) -> AccountRepository:
    """The real user repository on a migrated SQLite database of the test's own."""
    return AccountRepository(sqlite_engine, keys=DataKeys.dev())
