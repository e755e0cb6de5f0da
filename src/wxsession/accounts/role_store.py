"""Roles in SQL: the roles the database defines, and the grants of roles to users.

Reads of a user's roles for a session check are not here: ``Users.get_user`` reads them with
the user in one statement, so the hot-session cache holds them together. This is the
operators' side: list, define and delete roles, grant and revoke them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from wxsession.accounts.base import AccountStore
from wxsession.accounts.models import RoleRow, User, UserRoleRow, utcnow


class RoleStore(AccountStore):
    async def stored_roles(self) -> dict[str, frozenset[str]]:
        """The roles the database defines: name -> permissions."""
        async with self._transaction() as session:
            rows = (await session.execute(select(RoleRow.name, RoleRow.permissions))).all()
        return {name: frozenset(permissions) for name, permissions in rows}

    async def put_role(self, name: str, permissions: frozenset[str]) -> list[str]:
        """Define role ``name`` in the database (or replace its permissions); its holders."""
        async with self._transaction() as session:
            row = await session.get(RoleRow, name)
            if row is None:
                session.add(
                    RoleRow(name=name, permissions=sorted(permissions), created_at=utcnow())
                )
            else:
                row.permissions = sorted(permissions)
            return await _holders(session, name)

    async def delete_role(self, name: str) -> list[str] | None:
        """Delete the database's role ``name`` and every grant of it; its former holders
        (``None``: no such role in the database)."""
        async with self._transaction() as session:
            row = await session.get(RoleRow, name)
            if row is None:
                return None
            holders = await _holders(session, name)
            await session.execute(delete(UserRoleRow).where(UserRoleRow.role == name))
            await session.delete(row)
            return holders

    async def granted_roles(self, user_id: str) -> list[str] | None:
        """The role names granted to the user, defined or not (``None``: no such user)."""
        async with self._transaction() as session:
            if await session.get(User, user_id) is None:
                return None
            statement: Any = select(UserRoleRow.role).where(UserRoleRow.user_id == user_id)
            return sorted((await session.execute(statement)).scalars())

    async def grant_role(self, user_id: str, role: str, by: str) -> bool | None:
        """Grant ``role``; whether it is new (``None``: no such user)."""
        try:
            return await self._grant(user_id, role, by)
        except IntegrityError:  # the user was deleted meanwhile (PostgreSQL's foreign key)
            return None

    async def _grant(self, user_id: str, role: str, by: str) -> bool | None:
        async with self._transaction() as session:
            if await session.get(User, user_id) is None:
                return None
            # A parallel grant of the same role is no error: the insert just does nothing.
            values = {"user_id": user_id, "role": role, "granted_at": utcnow(), "granted_by": by}
            dialect_insert = (
                postgresql_insert
                if session.get_bind().dialect.name == "postgresql"
                else sqlite_insert
            )
            statement: Any = dialect_insert(UserRoleRow).values(**values).on_conflict_do_nothing()
            result: Any = await session.execute(statement)
            return bool(result.rowcount)

    async def revoke_role(self, user_id: str, role: str) -> bool | None:
        """Take ``role`` away; whether the user had it (``None``: no such user)."""
        async with self._transaction() as session:
            if await session.get(User, user_id) is None:
                return None
            statement: Any = delete(UserRoleRow).where(
                UserRoleRow.user_id == user_id, UserRoleRow.role == role
            )
            result: Any = await session.execute(statement)
            return bool(result.rowcount)


async def _holders(session: Any, role: str) -> list[str]:
    statement: Any = select(UserRoleRow.user_id).where(UserRoleRow.role == role)
    return sorted((await session.execute(statement)).scalars())
