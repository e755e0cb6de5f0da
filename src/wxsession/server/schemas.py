"""Request and response bodies of the HTTP API. Responses forbid extra fields, so nothing
secret (openid, unionid, session_key) can leak into them by accident."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WeChatLoginIn(Strict):
    code: str = Field(min_length=1, max_length=128, description="The code from wx.login().")


class RegisterIn(Strict):
    nickname: str | None = Field(default=None, min_length=1, max_length=64)
    avatar_url: str | None = Field(default=None, max_length=1024)

    @field_validator("avatar_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("avatar_url must be an https:// URL")
        return value


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
