"""Fixtures shared by the session tests."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.accounts.repository import AccountRepository
from wxsession.data_keys import DataKeys
from wxsession.sessions.ended import SqlRevocations


@pytest.fixture
def accounts(sqlite_engine: AsyncEngine) -> AccountRepository:
    """The real user repository on a migrated SQLite database of the test's own."""
    return AccountRepository(sqlite_engine, keys=DataKeys.dev())


@pytest.fixture
def revocation_source(sqlite_engine: AsyncEngine, accounts: AccountRepository) -> SqlRevocations:
    """The real revocation points (epochs and single ends) on the same database."""
    return SqlRevocations(sqlite_engine, accounts)
