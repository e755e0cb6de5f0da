"""WeChat mini-program login: a ``wx.login()`` code becomes an :class:`Identity`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeGuard

from wxsession.errors import InvalidRequest
from wxsession.providers.base import Identity
from wxsession.wechat.client import WeChatClient

MAX_CODE_LENGTH = 128
"""WeChat's codes are 32 characters; the slack allows for a format change, nothing more."""


class WeChatMiniProgramProvider:
    """The ``wechat`` provider: one mini program, its codes exchanged at jscode2session."""

    name = "wechat"

    def __init__(self, client: WeChatClient, app_id: str) -> None:
        self.client = client
        self.app_id = app_id

    async def exchange(self, proof: Mapping[str, Any]) -> Identity:
        """Exchange ``proof["code"]``; a malformed code is refused before WeChat is called,
        so junk never spends WeChat's per-minute quota."""
        code = proof.get("code")
        if not is_well_formed_code(code):
            raise InvalidRequest(
                f"'code' must be the string from wx.login(): 1 to {MAX_CODE_LENGTH} "
                "printable ASCII characters without spaces."
            )
        session = await self.client.code2session(code)
        return Identity(
            provider=self.name,
            app_id=self.app_id,
            subject=session.openid,
            union_id=session.unionid,
            session_key=session.session_key,
        )


def is_well_formed_code(code: object) -> TypeGuard[str]:
    """A non-empty string of at most 128 visible ASCII characters (``!`` to ``~``)."""
    return (
        isinstance(code, str)
        and 0 < len(code) <= MAX_CODE_LENGTH
        and all("!" <= char <= "~" for char in code)
    )
