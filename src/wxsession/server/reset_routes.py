"""Resetting a forgotten password over HTTP (issue 23 section 3): the code, sent to the
account's phone or e-mail, is the proof (:mod:`wxsession.services.password_reset`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response, status
from pydantic import Field, field_validator, model_validator

from wxsession.accounts.login_names import normalise_username
from wxsession.core.address import Address, parse_email, parse_phone
from wxsession.server.address_routes import Code, EmailText, PhoneText
from wxsession.server.dependencies import RuntimeDep, device_of
from wxsession.server.schemas import UTF8, Strict, Text, error_responses

router = APIRouter(prefix="/v1/auth/password", tags=["auth"])

Username = Annotated[str, Field(max_length=64), UTF8]


class ResetIn(Strict):
    phone: PhoneText | None = None
    email: EmailText | None = None
    username: Username | None = Field(
        default=None, description="Resets through the phone, else the e-mail, bound to it."
    )
    code: Code
    new_password: Text = Field(description="8 to 128 characters, not a common password.")

    @field_validator("username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        return None if value is None else normalise_username(value)

    @model_validator(mode="after")
    def _one_target(self) -> ResetIn:
        if sum(value is not None for value in (self.phone, self.email, self.username)) != 1:
            raise ValueError("send exactly one of phone, email and username")
        return self

    def target(self) -> Address | str:
        if self.phone is not None:
            return parse_phone(self.phone)
        if self.email is not None:
            return parse_email(self.email)
        assert self.username is not None  # _one_target
        return self.username


class ResetCodeIn(Strict):
    username: Username

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        return normalise_username(value)


@router.post(
    "/reset",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Set a new password with a reset code; every session of the user ends",
    description=(
        "Send exactly one of `phone`, `email` (a code for purpose `reset` from "
        "POST /v1/auth/codes) or `username` (a code from POST /v1/auth/password/reset-code, "
        "sent to the phone, else the e-mail, bound to it). The new password follows the "
        "registration rules. A wrong code and an address or name of no one are the same 400 "
        "`CODE_INVALID`. Throttled like password logins: 429 `RATE_LIMITED` with "
        "`Retry-After`. A notice goes to the address; sign in again with the new password."
    ),
    responses=error_responses(400, 413, 422, 429, 503),
)
async def reset_password(
    body: ResetIn, request: Request, response: Response, runtime: RuntimeDep
) -> None:
    response.headers["Cache-Control"] = "no-store"
    await runtime.services.password_reset.reset(
        body.target(), body.code, body.new_password, device_of(request)
    )


@router.post(
    "/reset-code",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a reset code to the phone (else the e-mail) bound to a username",
    description=(
        "202 whether or not the name exists or has an address bound: nothing tells. The code "
        "then goes to POST /v1/auth/password/reset with the same `username`."
    ),
    responses=error_responses(400, 403, 413, 422, 429, 503),
)
async def reset_code(body: ResetCodeIn, request: Request, runtime: RuntimeDep) -> None:
    await runtime.services.password_reset.send_code(body.username, device_of(request))
