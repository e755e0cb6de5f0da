"""Deleting a user, by an operator (``wxsession admin delete``) or by themselves
(``DELETE /v1/me``, which Chinese app stores require): one deletion for both.

The user's row goes with everything keyed to it (identities with their stored session_keys,
the password hash, unionid homes, profile, phone, e-mail), so the same WeChat user or phone
can register afresh later; then their session records go. A session the store's delete
missed still resolves to 401, since a user that no longer exists has no revocation point.
"""

from __future__ import annotations

from dataclasses import dataclass

from wxsession.accounts.repository import AccountRepository
from wxsession.core.device import Device
from wxsession.core.errors import SessionInvalid
from wxsession.core.session import RegisteredSession
from wxsession.services.events import Observer
from wxsession.services.events_accounts import AccountClosed
from wxsession.services.reauth import Proof, Reauthenticator
from wxsession.services.sessions import SessionService


@dataclass(frozen=True, slots=True)
class Deleted:
    """A deletion done: how many session records went (``None``: the store's deletes are
    pending; the sessions are refused all the same)."""

    ended: int | None


class Deletion:
    """The one way a user is deleted."""

    def __init__(self, accounts: AccountRepository, sessions: SessionService) -> None:
        self.accounts = accounts
        self.sessions = sessions

    async def delete(self, user_id: str) -> Deleted | None:
        """Delete the user and end their sessions; ``None`` if there is no such user."""
        if not await self.accounts.delete_user(user_id):
            return None
        return Deleted(await self.sessions.end_refused(user_id))


class AccountClosing:
    """A user closing their own account, after fresh proof of it."""

    def __init__(self, deletion: Deletion, reauth: Reauthenticator, emit: Observer) -> None:
        self.deletion = deletion
        self.reauth = reauth
        self.emit = emit

    async def close(self, active: RegisteredSession, reauth: Proof | None, device: Device) -> None:
        """Delete the caller's user once ``reauth`` proved the account (401
        ``REAUTHENTICATION_REQUIRED`` / ``REAUTHENTICATION_FAILED`` otherwise): a stolen
        session alone cannot destroy it."""
        await self.reauth.confirm(active, reauth, device)
        if await self.deletion.delete(active.user_id) is None:  # deleted meanwhile
            raise SessionInvalid()
        self.emit(AccountClosed(user=active.user_id))
