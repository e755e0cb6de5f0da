"""Password accounts over HTTP: register, log in, change the password.

Bodies name the account by ``username`` or ``phone`` (exactly one), normalised by
:mod:`wxsession.accounts.login_names` (a malformed one is 422). The password field carries
no length limit here on purpose: the policy's own 400 codes (``PASSWORD_TOO_SHORT`` …) say
more than a 422, and the body size limit (413) already stops a huge one before any hashing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response, status
from pydantic import Field, field_validator, model_validator

from wxsession.accounts.login_names import normalise_phone, normalise_username
from wxsession.core.address import parse_phone
from wxsession.server.address_routes import Code
from wxsession.server.dependencies import (
    RuntimeDep,
    SessionDep,
    TokenDep,
    device_of,
)
from wxsession.server.routes import login_out
from wxsession.server.schemas import UTF8, LoginOut, Strict, Text, error_responses

router = APIRouter(prefix="/v1")


class PasswordAccountIn(Strict):
    username: Annotated[str, Field(max_length=64), UTF8] | None = Field(
        default=None, description="3 to 32 letters, digits, '_', '.', '-'."
    )
    phone: Annotated[str, Field(max_length=32), UTF8] | None = Field(
        default=None, description="E.164 (+8613800138000) or a CN mobile."
    )
    password: Text = Field(description="8 to 128 characters, used exactly as typed.")

    @field_validator("username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        return None if value is None else normalise_username(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else normalise_phone(value)

    @model_validator(mode="after")
    def _one_name(self) -> PasswordAccountIn:
        if (self.username is None) == (self.phone is None):
            raise ValueError("send exactly one of username and phone")
        return self

    @property
    def name(self) -> str:
        name = self.username or self.phone
        assert name is not None  # _one_name
        return name


class PasswordRegisterIn(PasswordAccountIn):
    code: Code | None = Field(
        default=None,
        description=(
            "With `phone`: the code sent to it for purpose `register` (POST /v1/auth/codes), "
            "so no one registers another person's number."
        ),
    )

    @model_validator(mode="after")
    def _phone_proven(self) -> PasswordRegisterIn:
        if self.phone is not None and self.code is None:
            raise ValueError("a phone number needs its code (POST /v1/auth/codes, register)")
        return self


class PasswordChangeIn(Strict):
    current_password: Text
    new_password: Text = Field(description="8 to 128 characters, not a common password.")


@router.post(
    "/auth/password/register",
    response_model=LoginOut,
    status_code=status.HTTP_201_CREATED,
    tags=["auth"],
    summary="Create a password account (username, or phone with its code) and sign in",
    responses=error_responses(400, 409, 413, 422, 503),
)
async def password_register(
    body: PasswordRegisterIn, request: Request, response: Response, runtime: RuntimeDep
) -> LoginOut:
    phone = None if body.phone is None else parse_phone(body.phone)
    result = await runtime.services.passwords.register(
        body.name, body.password, device_of(request), phone=phone, code=body.code
    )
    return login_out(result, response, runtime.sessions, runtime.carriers)


@router.post(
    "/auth/password/login",
    response_model=LoginOut,
    tags=["auth"],
    summary="Sign in with a username or phone and a password",
    description=(
        "Failed logins are throttled per account and client IP and per account: 429 "
        "`RATE_LIMITED` with `Retry-After`, before the password is checked."
    ),
    responses=error_responses(400, 401, 403, 413, 422, 429, 503),
)
async def password_login(
    body: PasswordAccountIn,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    presented: TokenDep,
) -> LoginOut:
    result = await runtime.services.passwords.login(
        body.name, body.password, device=device_of(request), presented_token=presented
    )
    return login_out(result, response, runtime.sessions, runtime.carriers)


@router.post(
    "/me/password",
    response_model=LoginOut,
    tags=["me"],
    summary="Change the password: ends every other session, returns a fresh one for this device",
    description=(
        "Wrong current passwords are throttled per user and client IP and per user, like "
        "failed logins: 429 `RATE_LIMITED` with `Retry-After`, before the password is checked."
    ),
    responses=error_responses(400, 401, 403, 413, 422, 429, 503),
)
async def change_password(
    body: PasswordChangeIn,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    active: SessionDep,
) -> LoginOut:
    result = await runtime.services.passwords.change(
        active, body.current_password, body.new_password, device_of(request)
    )
    return login_out(result, response, runtime.sessions, runtime.carriers)
