"""Roles and permissions of application users: what the admin CLI, the console and the API
share.

A role is a name for a set of permission strings (:mod:`wxsession.core.roles`). Roles come
from two places: the configuration (``WXSESSION_ROLES``, fixed by the deployment) and the
database (defined here, at run time). A configured role wins: the database can neither
define nor delete one of its names. A user's permissions are the union of their roles'.

A user's roles are read with the user (``AccountRepository.get_user``), so the hot-session
cache holds them together; every change here is announced as a change of each user it
touches (``SessionManager.user_changed``), which every instance applies before its next
request reads that user. Each change is audited with its actor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from wxsession.accounts.repository import AccountRepository
from wxsession.audit import Actor, ByOperator
from wxsession.core.account_errors import RoleConfigured, UnknownRole
from wxsession.core.errors import NotFound
from wxsession.core.roles import permission_set, role_name
from wxsession.core.user import UserView
from wxsession.services.events import Observer
from wxsession.services.events_roles import RoleDefined, RoleDeleted, RoleGranted, RoleRevoked
from wxsession.sessions.manager import SessionManager

Source = Literal["configuration", "database"]


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    permissions: frozenset[str]
    source: Source


def no_such_user(user_id: str) -> NotFound:
    return NotFound(f"No such user: {user_id[:40]}.")


def actor_label(by: Actor) -> str:
    """Who granted a role, as ``user_roles.granted_by`` keeps it."""
    return by.actor if isinstance(by, ByOperator) else f"session:{by.session}"


class Roles:
    def __init__(
        self, accounts: AccountRepository, sessions: SessionManager, emit: Observer
    ) -> None:
        self.accounts = accounts
        self.sessions = sessions
        self.emit = emit

    @property
    def configured(self) -> dict[str, frozenset[str]]:
        return dict(self.accounts.configured_roles)

    async def list_roles(self) -> list[Role]:
        """Every role, by name: the configured ones and the database's."""
        configured = self.configured
        roles = [Role(name, perms, "configuration") for name, perms in configured.items()]
        stored = await self.accounts.stored_roles()
        roles += [
            Role(name, perms, "database")
            for name, perms in stored.items()
            if name not in configured
        ]
        return sorted(roles, key=lambda role: role.name)

    async def role(self, name: str) -> Role:
        """The role called ``name``; 404 ``UNKNOWN_ROLE`` if neither place defines it."""
        for role in await self.list_roles():
            if role.name == name:
                return role
        raise UnknownRole(f"No role {name[:64]!r} is defined.")

    async def user(self, user_id: str) -> UserView:
        """The user as SQL has them now, roles resolved; 404 ``NOT_FOUND`` if there is none."""
        user = await self.accounts.get_user(user_id)
        if user is None:
            raise no_such_user(user_id)
        return user

    async def roles_of(self, user_id: str) -> list[str]:
        """The user's roles that are defined (a grant of a role defined nowhere counts not)."""
        return sorted((await self.user(user_id)).roles)

    async def permissions_of(self, user_id: str) -> list[str]:
        return sorted((await self.user(user_id)).permissions)

    async def grant(self, user_id: str, role: str, actor: Actor) -> bool:
        """Grant a defined role; ``False`` if the user had it already (nothing changes)."""
        await self.role(role_name(role))
        added = await self.accounts.grant_role(user_id, role, actor_label(actor))
        if added is None:
            raise no_such_user(user_id)
        if added:
            await self.sessions.user_changed(user_id)
            self.emit(RoleGranted(user=user_id, role=role, by=actor))
        return added

    async def revoke(self, user_id: str, role: str, actor: Actor) -> bool:
        """Take a role away; ``False`` if the user did not have it."""
        removed = await self.accounts.revoke_role(user_id, role_name(role))
        if removed is None:
            raise no_such_user(user_id)
        if removed:
            await self.sessions.user_changed(user_id)
            self.emit(RoleRevoked(user=user_id, role=role, by=actor))
        return removed

    async def define(self, name: str, permissions: Iterable[str], actor: Actor) -> Role:
        """Define a role in the database, or replace its permissions; its holders' cached
        copies are dropped everywhere. 409 ``ROLE_CONFIGURED`` for a configured name."""
        self._not_configured(role_name(name))
        checked = permission_set(permissions)
        holders = await self.accounts.put_role(name, checked)
        await self._changed(holders)
        text = ",".join(sorted(checked))
        self.emit(RoleDefined(role=name, permissions=text, holders=len(holders), by=actor))
        return Role(name, checked, "database")

    async def delete(self, name: str, actor: Actor) -> None:
        """Delete a role of the database and every grant of it."""
        self._not_configured(role_name(name))
        holders = await self.accounts.delete_role(name)
        if holders is None:
            raise UnknownRole(f"No role {name!r} is defined in the database.")
        await self._changed(holders)
        self.emit(RoleDeleted(role=name, holders=len(holders), by=actor))

    def _not_configured(self, name: str) -> None:
        if name in self.accounts.configured_roles:
            raise RoleConfigured()

    async def _changed(self, users: Iterable[str]) -> None:
        for user_id in users:
            await self.sessions.user_changed(user_id)
