# ruff: noqa: RUF001  (Chinese sentences use full-width punctuation)
"""What both emulated SMS vendors share: where an accepted message goes (the emulator's
outbox) and the text it is shown with there."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, Protocol

from wxsession.messaging.sms_tencent import DEV_TEMPLATES


class Inbox(Protocol):
    """The emulator's outbox as the vendors feed it (``/_emulator/outbox``)."""

    def deliver(
        self,
        to: str,
        channel: Literal["sms", "mail"],
        text: str,
        *,
        via: str,
        subject: str | None = None,
    ) -> object: ...


DEV_TEXTS: Mapping[str, str] = {
    DEV_TEMPLATES[
        "code"
    ]: "您的验证码是{1}，{2}分钟内有效，仅可使用一次。如非本人操作，请忽略本短信。",
    DEV_TEMPLATES[
        "password_reset"
    ]: "您账号的密码已重置，所有登录状态均已退出。如非本人操作，请立即重新设置密码。",
}
"""The texts of dev mode's templates (the ids its sender uses), with the vendor's numbered
placeholders; a vendor renders a real template from the text registered with it."""


def message_text(sign: str, params: Sequence[str], template: str) -> str:
    """The text a phone would show: the sign name, then a dev template rendered with its
    parameters; any other template as its parameters (the code first among them) and id."""
    text = DEV_TEXTS.get(template)
    if text is None:
        return f"【{sign}】{' '.join(params)} (template {template})"
    for number, value in enumerate(params, start=1):
        text = text.replace(f"{{{number}}}", value)
    return f"【{sign}】{text}"
