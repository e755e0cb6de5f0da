"""What both emulated SMS vendors share: where an accepted message goes (the emulator's
outbox) and the text it is shown with there."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol


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


def message_text(sign: str, params: Sequence[str], template: str) -> str:
    """The text a phone would show, as far as the emulator knows it: the sign name, the
    template's parameters (the code first among them), then which template it was. The
    vendor renders the real text from the template registered with it."""
    return f"【{sign}】{' '.join(params)} (template {template})"
