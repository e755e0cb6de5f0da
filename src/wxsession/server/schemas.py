"""Request and response bodies of the HTTP API. Responses forbid extra fields, so nothing
secret (openid, unionid, session_key) can leak into them by accident."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from wxsession.avatar_url import AVATAR_URL_PATTERN, MAX_AVATAR_URL_LENGTH


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _encodable(value: str) -> str:
    try:
        value.encode()
    except UnicodeEncodeError:
        # pydantic's own error for the same input in a field with a length or pattern rule
        raise PydanticCustomError(
            "string_unicode",
            "Input should be a valid string, unable to parse raw data as a unicode string",
        ) from None
    return value


UTF8 = AfterValidator(_encodable)
"""For every free-text field of a request body. JSON may carry a lone surrogate
(``"\\ud800"``), which Python decodes into a ``str`` with no UTF-8 form: hashing, the database
driver or the log would fail on it later as a 500. Refused here as a 422, like any other
invalid string. (A field whose pattern allows ASCII only, such as a login code, needs none.)"""

Text = Annotated[str, UTF8]
"""A free-text field. An optional one with constraints spells them before :data:`UTF8` in one
``Annotated`` (as :data:`Nickname` does): given by ``Field`` outside, pydantic leaves its
``pattern`` out of the JSON schema."""


AppId = Annotated[
    str | None,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[!-~]+$",
        description=(
            "The appid of the app the code is from. Needed only when the server has several "
            "apps of that platform (without it: 400 `APPID_REQUIRED`); an appid the server "
            "has no app of is 400 `UNKNOWN_APP`, and the platform is not called."
        ),
    ),
]
"""The ``appid`` of a login code (docs/login-methods.md, several apps per platform)."""


class WeChatLoginIn(Strict):
    code: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[!-~]+$",  # visible ASCII, as the provider checks: the schema says so too
        description="The code from wx.login().",
    )
    appid: AppId = None


NICKNAME_PATTERN = (
    r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*"
    r"[^\s\x00-\x1f\x7f-\x9f\u2028\u2029]"
    r"[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"
)
"""No control characters or line breaks, not only spaces (emoji joiners are fine)."""


Nickname = Annotated[str, Field(min_length=1, max_length=64, pattern=NICKNAME_PATTERN), UTF8]
AvatarUrl = Annotated[
    str, Field(max_length=MAX_AVATAR_URL_LENGTH, pattern=AVATAR_URL_PATTERN), UTF8
]


class ProfileFields(Strict):
    """Nickname and avatar as WeChat's fill-in components give them (``type="nickname"``,
    ``open-type="chooseAvatar"`` then uploaded): bounded, without control characters, and an
    https URL on a real host name (:mod:`wxsession.avatar_url`), so a stored profile cannot
    carry a ``javascript:`` or plain-http link, an IP address or markup."""

    # The patterns are the whole rule, so the OpenAPI document tells clients (and the
    # schemathesis run in tests/system/reliability) exactly what is accepted.
    nickname: Nickname | None = None
    avatar_url: AvatarUrl | None = None

    @field_validator("nickname")
    @classmethod
    def _stripped(cls, value: str | None) -> str | None:
        return None if value is None else value.strip()


class RegisterIn(ProfileFields):
    pass


class ProfileIn(ProfileFields):
    """``PUT /v1/me/profile``: the fields sent are set (``null`` clears one); fields left
    out keep their value. At least one is required."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

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


class MeOut(UserOut):
    roles: list[str] = Field(description="The user's roles, by name (sorted).")
    permissions: list[str] = Field(
        description="Every permission the user's roles grant (sorted), e.g. `orders:read`."
    )


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
