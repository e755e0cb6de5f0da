"""WeChat mini-program login: a ``wx.login()`` code becomes an :class:`Identity`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wxsession.core.identity import Identity
from wxsession.platforms.provider import code_from
from wxsession.platforms.wechat import SPEC
from wxsession.platforms.wechat.client import WeChatClient


class WeChatMiniProgramProvider:
    """The ``wechat`` provider: one mini program, its codes exchanged at jscode2session."""

    name = SPEC.name

    def __init__(self, client: WeChatClient, app_id: str) -> None:
        self.client = client
        self.app_id = app_id

    async def exchange(self, proof: Mapping[str, Any]) -> Identity:
        """Exchange ``proof["code"]`` (a malformed code never reaches WeChat)."""
        code = code_from(proof, SPEC.code_source, SPEC.max_code_length)
        session = await self.client.code2session(code)
        return Identity.from_code_login(self.name, self.app_id, session)
