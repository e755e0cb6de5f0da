"""The signed-in user's profile: nickname and avatar, and the phone number WeChat verified."""

from __future__ import annotations

from collections.abc import Mapping

from wxsession.accounts.models import User
from wxsession.accounts.repository import AccountRepository
from wxsession.core.errors import SessionInvalid
from wxsession.platforms.wechat.access_token import AccessTokenManager
from wxsession.platforms.wechat.api import PhoneNumber
from wxsession.platforms.wechat.client import WeChatClient
from wxsession.sessions.manager import SessionManager


class ProfileService:
    def __init__(
        self,
        accounts: AccountRepository,
        sessions: SessionManager,
        wechat: WeChatClient | None = None,
        access_tokens: AccessTokenManager | None = None,
    ) -> None:
        self.accounts = accounts
        self.sessions = sessions
        self.wechat = wechat
        self.access_tokens = access_tokens

    async def update(self, user_id: str, values: Mapping[str, str | None]) -> User:
        """Set the given profile fields; every instance forgets its cached copy of the row.
        A user deleted since the session check is 401 ``SESSION_INVALID``."""
        updated = await self.accounts.update_profile(user_id, dict(values))
        if updated is None:
            raise SessionInvalid()
        await self.sessions.user_changed(user_id)  # cached copies of the row are stale
        return updated

    async def set_phone(self, user_id: str, code: str) -> PhoneNumber:
        """Exchange a getPhoneNumber ``code`` for the user's verified number, and store it."""
        client, tokens = self.wechat_client()
        found = await tokens.call(lambda token: client.get_phone_number(token, code))
        await self.update(user_id, {"phone_number": found.phone_number})
        return found

    def wechat_client(self) -> tuple[WeChatClient, AccessTokenManager]:
        if self.wechat is None or self.access_tokens is None:
            raise RuntimeError("this runtime has no WeChat client")
        return self.wechat, self.access_tokens
