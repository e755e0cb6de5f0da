"""Users: read one, change the profile, disable, delete, raise the revocation point. Every
user leaves as a :class:`~wxsession.core.user.UserView`; the ORM row stays in here."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update

from wxsession.accounts.base import AccountStore
from wxsession.accounts.models import (
    IdentityRow,
    PasswordRow,
    RoleRow,
    UnionRow,
    User,
    UserRoleRow,
    utcnow,
)
from wxsession.core.roles import resolve
from wxsession.core.user import UserView

_USER_COLUMNS = tuple(cast(Table, User.__table__).columns)
_USER_WITH_ROLES: Any = (
    select(*_USER_COLUMNS, UserRoleRow.role, RoleRow.permissions)
    .outerjoin(UserRoleRow, UserRoleRow.user_id == User.id)
    .outerjoin(RoleRow, RoleRow.name == UserRoleRow.role)
    .where(User.id == bindparam("user_id"))
)
"""A user with their grants (one row per grant, one row with none), in one round trip."""


def view_of(user: User) -> UserView:
    """The frozen view of a loaded (or just flushed) row."""
    return UserView(
        id=user.id,
        nickname=user.nickname,
        avatar_url=user.avatar_url,
        phone_number=user.phone_number,
        disabled=user.disabled,
        created_at=user.created_at,
        session_epoch=user.session_epoch,
        sessions_revoked_at=user.sessions_revoked_at,
    )


class Users(AccountStore):
    async def get_user(self, user_id: str) -> UserView | None:
        """The user with their roles and permissions resolved (configuration first, then the
        database): the view the session checks use and the hot-session cache keeps."""
        async with self._transaction() as session:
            rows = (await session.execute(_USER_WITH_ROLES, {"user_id": user_id})).all()
        if not rows:
            return None
        grants = [(row.role, row.permissions) for row in rows if row.role is not None]
        roles, permissions = resolve(grants, self.configured_roles)
        first = rows[0]._mapping
        columns = {column.key: first[column] for column in _USER_COLUMNS}
        return UserView(**columns, roles=roles, permissions=permissions)

    async def update_profile(self, user_id: str, values: dict[str, str | None]) -> UserView | None:
        """Set the given fields (``nickname``, ``avatar_url``, ``phone_number``); the updated
        user, or ``None`` if the user is gone."""
        names = ("nickname", "avatar_url", "phone_number")
        allowed = {name: values[name] for name in names if name in values}
        async with self._transaction() as session:
            user = await session.get(User, user_id)
            if user is None:
                return None
            for name, value in allowed.items():
                setattr(user, name, value)
            await session.flush()
            return view_of(user)

    async def find_by_subject(
        self, provider: str, subject: str, app_id: str | None = None
    ) -> list[UserView]:
        """Users bound to ``subject`` at ``provider`` (in any app unless ``app_id``)."""
        statement: Any = (
            select(User)
            .join(IdentityRow, IdentityRow.user_id == User.id)
            .where(IdentityRow.provider == provider, IdentityRow.subject == subject)
        )
        if app_id is not None:
            statement = statement.where(IdentityRow.app_id == app_id)
        async with self._transaction() as session:
            return [view_of(user) for user in (await session.execute(statement)).scalars().unique()]

    async def raise_session_epoch(self, user_id: str) -> int | None:
        """End every session issued to the user so far (at the validation level); returns the
        new epoch, or ``None`` if there is no such user."""
        return await self._revoke(user_id)

    async def set_disabled(self, user_id: str, disabled: bool) -> int | None:
        """Disable (or enable) a user; disabling also raises the revocation point in the same
        statement, so no session of theirs survives. Returns the epoch, ``None`` if no user."""
        if disabled:
            return await self._revoke(user_id, disabled=True)
        async with self._transaction() as session:
            statement: Any = (
                update(User)
                .where(User.id == user_id)
                .values(disabled=False)
                .returning(User.session_epoch)
            )
            epoch: int | None = (await session.execute(statement)).scalar_one_or_none()
            return epoch

    async def delete_user(self, user_id: str) -> bool:
        """Delete a user and their identities; their sessions then resolve to 401."""
        async with self._transaction() as session:
            await session.execute(delete(IdentityRow).where(IdentityRow.user_id == user_id))
            await session.execute(delete(PasswordRow).where(PasswordRow.user_id == user_id))
            await session.execute(delete(UnionRow).where(UnionRow.user_id == user_id))
            await session.execute(delete(UserRoleRow).where(UserRoleRow.user_id == user_id))
            result: Any = await session.execute(delete(User).where(User.id == user_id))
            return bool(result.rowcount)

    async def _revoke(self, user_id: str, **values: Any) -> int | None:
        async with self._transaction() as session:
            statement: Any = (
                update(User)
                .where(User.id == user_id)
                .values(
                    session_epoch=User.session_epoch + 1, sessions_revoked_at=utcnow(), **values
                )
                .returning(User.session_epoch)
            )
            epoch: int | None = (await session.execute(statement)).scalar_one_or_none()
            return epoch
