"""Roles: configured and database roles side by side (configuration wins), grants read back
with the user in one view, every change announced for each user it touches and audited with
its actor."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.accounts.repository import AccountRepository
from wxsession.audit import ByOperator, Event
from wxsession.core.account_errors import RoleConfigured, RoleInvalid, UnknownRole
from wxsession.core.errors import NotFound
from wxsession.core.identity import Identity
from wxsession.core.roles import catalog
from wxsession.data_keys import DataKeys
from wxsession.services.events_roles import RoleDefined, RoleDeleted, RoleGranted, RoleRevoked
from wxsession.services.roles import Role, Roles
from wxsession.sessions.manager import SessionManager
from wxsession.sessions.sql import SqlSessionStore

CONSOLE = ByOperator("console:ada")
CONFIGURED = {"editor": ["orders:read", "orders:write"], "viewer": ["orders:read"]}


class Heard:
    """Records what the roles announce (the announcer seam every store's cache listens on)."""

    def __init__(self) -> None:
        self.users: list[str] = []

    async def session_ended(self, key: str) -> None:
        raise AssertionError("roles end no session")

    async def user_changed(self, user_id: str) -> None:
        self.users.append(user_id)


@pytest.fixture
def heard() -> Heard:
    return Heard()


@pytest.fixture
def emitted() -> list[Event]:
    return []


@pytest.fixture
def accounts(sqlite_engine: AsyncEngine) -> AccountRepository:
    return AccountRepository(sqlite_engine, keys=DataKeys.dev(), roles=catalog(CONFIGURED))


@pytest.fixture
def roles(
    sqlite_engine: AsyncEngine, accounts: AccountRepository, heard: Heard, emitted: list[Event]
) -> Roles:
    sessions = SessionManager(
        SqlSessionStore(sqlite_engine),
        idle_ttl=3600,
        max_age=86400,
        touch_interval=60,
        invalidations=heard,
    )
    return Roles(accounts, sessions, emitted.append)


async def _user(accounts: AccountRepository, name: str) -> str:
    found = await accounts.find_or_register(
        Identity(provider="wechat", app_id="wx0123456789abcdef", subject=f"o-{name}"), auto=True
    )
    assert found.user is not None
    return found.user.id


async def test_grants_come_back_with_the_user_and_are_announced_and_audited(
    roles: Roles, accounts: AccountRepository, heard: Heard, emitted: list[Event]
) -> None:
    ann, bob = await _user(accounts, "ann"), await _user(accounts, "bob")
    assert await roles.roles_of(ann) == []
    assert await roles.grant(ann, "editor", CONSOLE) is True
    assert await roles.grant(ann, "viewer", CONSOLE) is True
    assert await roles.grant(ann, "viewer", CONSOLE) is False  # had it: nothing announced

    user = await accounts.get_user(ann)
    assert user is not None
    assert user.roles == {"editor", "viewer"}
    assert user.permissions == {"orders:read", "orders:write"}
    assert user.may("orders:write") and not user.may("orders:delete")
    assert await roles.permissions_of(ann) == ["orders:read", "orders:write"]
    assert await roles.roles_of(bob) == []  # only the one user

    assert await roles.revoke(ann, "editor", CONSOLE) is True
    assert await roles.revoke(ann, "editor", CONSOLE) is False
    assert await roles.permissions_of(ann) == ["orders:read"]
    assert heard.users == [ann, ann, ann]
    assert emitted == [
        RoleGranted(user=ann, role="editor", by=CONSOLE),
        RoleGranted(user=ann, role="viewer", by=CONSOLE),
        RoleRevoked(user=ann, role="editor", by=CONSOLE),
    ]


async def test_unknown_users_and_roles_are_refused_before_anything_changes(
    roles: Roles, accounts: AccountRepository, heard: Heard
) -> None:
    ann = await _user(accounts, "ann")
    with pytest.raises(NotFound):
        await roles.grant("0" * 32, "editor", CONSOLE)
    with pytest.raises(NotFound):
        await roles.roles_of("0" * 32)
    with pytest.raises(UnknownRole):
        await roles.grant(ann, "auditor", CONSOLE)
    with pytest.raises(RoleInvalid):
        await roles.grant(ann, "a,b", CONSOLE)  # never a name a header could split
    assert heard.users == []
    assert await roles.roles_of(ann) == []


async def test_configuration_wins_and_database_roles_add_to_it(
    roles: Roles, accounts: AccountRepository, heard: Heard, emitted: list[Event]
) -> None:
    with pytest.raises(RoleConfigured):
        await roles.define("editor", ["everything"], CONSOLE)
    with pytest.raises(RoleConfigured):
        await roles.delete("viewer", CONSOLE)
    with pytest.raises(RoleInvalid):
        await roles.define("auditor", ["no spaces"], CONSOLE)

    await roles.define("auditor", ["audit:read"], CONSOLE)
    assert await roles.list_roles() == [
        Role("auditor", frozenset({"audit:read"}), "database"),
        Role("editor", frozenset({"orders:read", "orders:write"}), "configuration"),
        Role("viewer", frozenset({"orders:read"}), "configuration"),
    ]
    ann = await _user(accounts, "ann")
    await roles.grant(ann, "auditor", CONSOLE)
    heard.users.clear()

    await roles.define("auditor", ["audit:read", "audit:export"], CONSOLE)  # holders change
    assert await roles.permissions_of(ann) == ["audit:export", "audit:read"]
    await roles.delete("auditor", CONSOLE)
    assert await roles.roles_of(ann) == []
    assert heard.users == [ann, ann]
    with pytest.raises(UnknownRole):
        await roles.delete("auditor", CONSOLE)
    assert emitted[-2:] == [
        RoleDefined(role="auditor", permissions="audit:export,audit:read", holders=1, by=CONSOLE),
        RoleDeleted(role="auditor", holders=1, by=CONSOLE),
    ]


async def test_a_grant_of_a_role_defined_nowhere_counts_for_nothing(
    sqlite_engine: AsyncEngine, roles: Roles, accounts: AccountRepository
) -> None:
    """A role taken out of WXSESSION_ROLES after it was granted: the next read drops it."""
    ann = await _user(accounts, "ann")
    await roles.grant(ann, "editor", CONSOLE)
    restarted = AccountRepository(sqlite_engine, keys=DataKeys.dev(), roles=catalog({}))
    user = await restarted.get_user(ann)
    assert user is not None and user.roles == frozenset() and user.permissions == frozenset()


async def test_deleting_a_user_takes_their_grants(
    roles: Roles, accounts: AccountRepository
) -> None:
    ann = await _user(accounts, "ann")
    await roles.grant(ann, "editor", CONSOLE)
    assert await accounts.delete_user(ann)
    assert await accounts.granted_roles(ann) is None


async def test_parallel_grants_of_one_role_make_one_grant(
    roles: Roles, accounts: AccountRepository, emitted: list[Event]
) -> None:
    ann = await _user(accounts, "ann")
    done = await asyncio.gather(*(roles.grant(ann, "editor", CONSOLE) for _ in range(5)))
    assert sorted(done) == [False, False, False, False, True]
    assert await accounts.granted_roles(ann) == ["editor"]
    assert len(emitted) == 1
