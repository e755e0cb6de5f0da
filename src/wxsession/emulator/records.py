"""What the emulator keeps and hands out: codes, sessions, tokens, phone codes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Issued:
    """What a successful code exchange gave out for a user, as the server received it."""

    appid: str
    user: str
    openid: str = field(repr=False)
    session_key: str = field(repr=False)
    unionid: str | None = field(repr=False)


@dataclass(frozen=True, slots=True)
class ExchangeErrors:
    """A platform's error code for each reason a code exchange fails."""

    no_appid: int
    no_secret: int
    no_code: int
    bad_appid: int
    bad_secret: int
    bad_code: int
    used_code: int


@dataclass(frozen=True, slots=True)
class Grant:
    """An access token given out: the app's own, or (with ``user``) a user's OAuth token."""

    appid: str
    expires_at: float
    user: str = ""
    openid: str = ""


@dataclass(frozen=True, slots=True)
class PhoneCode:
    """What a phone-number button's one-time code stands for."""

    appid: str
    user: str
    phone: str
    country_code: str | int


@dataclass(slots=True)
class Code:
    """A login code as issued; ``used`` once a platform's exchange took it."""

    appid: str
    user: str
    expires_at: float
    platform: str
    used: bool = False
