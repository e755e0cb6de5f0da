"""What a user may say about themself."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Profile:
    """What a client may set about itself at registration."""

    nickname: str | None = None
    avatar_url: str | None = None
