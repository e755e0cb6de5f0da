"""What the emulator keeps and hands out: codes, sessions, tokens, phone codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

ErrorCode = TypeVar("ErrorCode", int, str)
"""A platform's error codes: numbers, or words (OAuth 2.0's ``error``)."""


@dataclass(frozen=True, slots=True)
class Issued:
    """What a successful code exchange gave out for a user, as the server received it."""

    appid: str
    user: str
    openid: str = field(repr=False)
    session_key: str = field(repr=False)
    unionid: str | None = field(repr=False)


@dataclass(frozen=True, slots=True)
class ExchangeErrors(Generic[ErrorCode]):
    """A platform's error code for each reason a code exchange fails."""

    no_appid: ErrorCode
    no_secret: ErrorCode
    no_code: ErrorCode
    bad_appid: ErrorCode
    bad_secret: ErrorCode
    bad_code: ErrorCode
    used_code: ErrorCode


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
