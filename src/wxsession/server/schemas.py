"""Request and response bodies of the HTTP API. Responses forbid extra fields, so nothing
secret (openid, unionid, session_key) can leak into them by accident."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WeChatLoginIn(Strict):
    code: str = Field(min_length=1, max_length=128, description="The code from wx.login().")


class ProfileFields(Strict):
    """Nickname and avatar as WeChat's fill-in components give them (``type="nickname"``,
    ``open-type="chooseAvatar"`` then uploaded): bounded, printable, and an https URL with a
    host, so a stored profile cannot carry a ``javascript:`` or plain-http link."""

    nickname: str | None = Field(default=None, min_length=1, max_length=64)
    avatar_url: str | None = Field(default=None, max_length=1024)

    @field_validator("nickname")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value or not value.isprintable():
            raise ValueError("nickname must be printable text, not only spaces")
        return value

    @field_validator("avatar_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parsed = urlsplit(value)
        if parsed.scheme != "https" or not parsed.hostname or not value.isprintable():
            raise ValueError("avatar_url must be an https:// URL with a host")
        if any(char.isspace() for char in value):
            raise ValueError("avatar_url must not contain spaces")
        return value


class RegisterIn(ProfileFields):
    pass


class ProfileIn(ProfileFields):
    """``PUT /v1/me/profile``: the fields sent are set (``null`` clears one); fields left
    out keep their value. At least one is required."""

    @model_validator(mode="after")
    def _something(self) -> ProfileIn:
        if not self.model_fields_set:
            raise ValueError("send nickname, avatar_url or both")
        return self


class UserOut(Strict):
    id: str
    nickname: str | None
    avatar_url: str | None
    created_at: datetime

    @field_validator("created_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        """SQLite hands timestamps back without a zone; they were written in UTC."""
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class LoginOut(Strict):
    session_id: str = Field(description="Send it with every request (Authorization: Bearer …).")
    expires_in: int = Field(description="Seconds until the session lapses if unused.")
    registered: bool
    user: UserOut | None


class ErrorBody(Strict):
    code: str = Field(description="Stable machine code, e.g. SESSION_INVALID.")
    message: str
    details: object | None = None


class ErrorOut(Strict):
    error: ErrorBody


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses, each with the error body."""
    return {status: {"model": ErrorOut} for status in statuses}
