"""The signed-in user's profile: nickname and avatar, and the verified phone number.

The number comes from the platform (WeChat's getPhoneNumber, asked by the route); storing it
is a profile update like any other, so every instance forgets its cached row the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

from wxsession.accounts.repository import AccountRepository
from wxsession.core.errors import SessionInvalid
from wxsession.core.user import UserView
from wxsession.sessions.manager import SessionManager


class ProfileService:
    def __init__(self, accounts: AccountRepository, sessions: SessionManager) -> None:
        self.accounts = accounts
        self.sessions = sessions

    async def update(self, user_id: str, values: Mapping[str, str | None]) -> UserView:
        """Set the given fields (``nickname``, ``avatar_url``, ``phone_number``); every
        instance forgets its cached copy of the row. A user deleted since the session check
        is 401 ``SESSION_INVALID``."""
        updated = await self.accounts.update_profile(user_id, dict(values))
        if updated is None:
            raise SessionInvalid()
        await self.sessions.user_changed(user_id)  # cached copies of the row are stale
        return updated
