"""An operator's acts on users (``wxsession admin``): find them, end their sessions, disable,
enable or delete them, reseal stored session_keys under the current data key.

Revoking all sessions, disabling and deleting raise the user's revocation point in SQL, so
running servers refuse the old sessions even if a store delete is lost (within their
revocation cache window, ``WXSESSION_REVOCATION_CACHE_SECONDS``). Each act is audited with
the operator as its actor.
"""

from __future__ import annotations

from wxsession.accounts.repository import AccountRepository
from wxsession.accounts.resealing import Resealed
from wxsession.audit import ByOperator
from wxsession.core.record import SessionRecord
from wxsession.core.user import UserView
from wxsession.services.closing import Deletion
from wxsession.services.events import (
    Observer,
    SessionKeysResealed,
    UserDeleted,
    UserDisabled,
    UserEnabled,
)
from wxsession.services.sessions import SessionService

ADMIN_CLI = ByOperator("admin-cli")


class Operators:
    def __init__(
        self,
        accounts: AccountRepository,
        sessions: SessionService,
        emit: Observer,
        by: ByOperator = ADMIN_CLI,
    ) -> None:
        self.accounts = accounts
        self.sessions = sessions
        self.deletion = Deletion(accounts, sessions)
        self.emit = emit
        self.by = by

    async def find(
        self,
        user_id: str | None = None,
        provider: str | None = None,
        subject: str | None = None,
        app_id: str | None = None,
    ) -> list[UserView]:
        if user_id is not None:
            user = await self.accounts.get_user(user_id)
            return [] if user is None else [user]
        if provider is None or subject is None:
            raise ValueError("give a user id, or a provider and a subject")
        return await self.accounts.find_by_subject(provider, subject, app_id)

    async def list_sessions(self, user_id: str) -> list[SessionRecord]:
        return await self.sessions.list(user_id)

    async def revoke(self, user_id: str, public_id: str | None = None) -> int | None:
        """End one session (by public id) or all of them behind a revocation point; how many
        records went (``None``: every session is refused, the store's deletes are pending)."""
        if public_id is not None:
            return 0 if await self.sessions.end_one(user_id, public_id, self.by) is None else 1
        return await self.sessions.revoke_all(user_id, self.by)

    async def disable(self, user_id: str) -> bool:
        """Disable the user and end all of their sessions at once."""
        if await self.accounts.set_disabled(user_id, True) is None:
            return False
        ended = await self.sessions.end_refused(user_id)
        self.emit(UserDisabled(user=user_id, by=self.by, ended=ended))
        return True

    async def enable(self, user_id: str) -> bool:
        if await self.accounts.set_disabled(user_id, False) is None:
            return False
        self.emit(UserEnabled(user=user_id, by=self.by))
        return True

    async def delete(self, user_id: str) -> bool:
        """Delete the user as ``DELETE /v1/me`` does (:mod:`wxsession.services.closing`)."""
        deleted = await self.deletion.delete(user_id)
        if deleted is None:
            return False
        self.emit(UserDeleted(user=user_id, by=self.by, ended=deleted.ended))
        return True

    async def rekey(self) -> Resealed:
        """Seal every stored session_key under the first of ``WXSESSION_DATA_KEYS``, so the
        keys after it can be retired (docs/deployment.md, rotating the data key)."""
        done = await self.accounts.reseal_session_keys()
        self.emit(
            SessionKeysResealed(
                by=self.by,
                key_id=self.accounts.keys.current,
                moved=done.moved,
                unreadable=sum(done.unreadable.values()),
            )
        )
        return done
