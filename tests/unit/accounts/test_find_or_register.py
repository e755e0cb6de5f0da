"""The login's user lookup, at the repository: what SQL a first and a returning login run,
and a parallel registration landing between the first login's read and its insert."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.accounts.repository import AccountRepository
from wxsession.core.identity import Identity
from wxsession.data_keys import DataKeys

ALICE = Identity(
    provider="wechat", app_id="wx0123456789abcdef", subject="o-alice", session_key="k1"
)


@dataclass
class Database:
    engine: AsyncEngine
    accounts: AccountRepository
    statements: list[str] = field(default_factory=list)
    """The SQL run on the engine since the fixture was set up, whitespace folded."""

    def identity_reads(self) -> list[str]:
        return [s for s in self.statements if s.startswith("SELECT") and "FROM identities" in s]

    async def count(self, table: str) -> int:
        query = text(f"SELECT count(*) FROM {table}")  # noqa: S608 - the tests' own names
        async with self.engine.connect() as connection:
            found: int = (await connection.execute(query)).scalar_one()
        return found


@pytest.fixture
def database(sqlite_engine: AsyncEngine) -> Database:
    """The real repository on a migrated SQLite database of the test's own."""
    database = Database(sqlite_engine, AccountRepository(sqlite_engine, keys=DataKeys.dev()))

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        database.statements.append(" ".join(statement.split()))

    event.listen(sqlite_engine.sync_engine, "before_cursor_execute", record)
    return database


async def test_a_first_login_reads_the_identity_once(database: Database) -> None:
    first = await database.accounts.find_or_register(ALICE, auto=True)
    assert first.user is not None
    assert len(database.identity_reads()) == 1  # the miss, and not again in the transaction
    database.statements.clear()
    again = await database.accounts.find_or_register(ALICE, auto=True)
    assert again.user is not None and again.user.id == first.user.id
    assert len(database.identity_reads()) == 1


async def test_a_registration_between_the_read_and_the_insert_finds_the_winner(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first try of a first login skips its read: a parallel login that registered the
    identity since makes that try's insert fail on the unique key, and the retry reads."""
    accounts = database.accounts
    winner = await accounts.register(ALICE)

    async def missed(_identity: Identity) -> tuple[None, bool]:
        return None, False  # as if the read ran just before the winner's commit

    monkeypatch.setattr(accounts, "_returning", missed)
    database.statements.clear()
    found = await accounts.find_or_register(ALICE, auto=True)
    assert found.user is not None and found.user.id == winner.id
    assert any(s.startswith("INSERT INTO identities") for s in database.statements)
    assert len(database.identity_reads()) == 1  # the retry's
    assert await database.count("users") == 1
    assert await database.count("identities") == 1


async def test_a_returning_login_rewrites_its_key_only_if_it_or_its_data_key_changed(
    database: Database,
) -> None:
    """The stored key is opened to compare: the same key under the current data key costs no
    write; a key sealed under an older data key is resealed under the current one."""
    old_key, new_key = ("old", b"o" * 32), ("new", b"n" * 32)
    engine = database.engine
    before = AccountRepository(engine, keys=DataKeys([old_key]))
    await before.find_or_register(ALICE, auto=True)
    database.statements.clear()
    await before.find_or_register(ALICE, auto=True)
    assert not [s for s in database.statements if s.startswith("UPDATE identities")]

    rotated = AccountRepository(engine, keys=DataKeys([new_key, old_key]))
    await rotated.find_or_register(ALICE, auto=True)  # the same session_key as before
    assert [s for s in database.statements if s.startswith("UPDATE identities")]
    async with engine.connect() as connection:
        kid = (await connection.execute(text("SELECT session_key_kid FROM identities"))).scalar()
    assert kid == "new"
    user = (await rotated.find_or_register(ALICE, auto=True)).user
    assert user is not None
    only_new = AccountRepository(engine, keys=DataKeys([new_key]))
    found = await only_new.identity_of(user.id, ALICE.provider, ALICE.app_id)
    assert found is not None and found.session_key == "k1"
