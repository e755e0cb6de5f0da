"""Phone numbers and e-mail addresses as ways in, over HTTP (issue 23 section 2): sign in
with a code sent to one, and bind or change one on the account.

Codes come from ``POST /v1/auth/codes`` (purpose ``login`` for these logins, ``bind`` for
binding). Addresses are read as the service spells them (:mod:`wxsession.core.address`: E.164
phones, e-mail with the domain lower-cased); a malformed one is 400 ``PHONE_INVALID`` or
``EMAIL_INVALID``. WeChat's one-tap phone login is in :mod:`wxsession.server.wechat_routes`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response, status
from pydantic import Field

from wxsession.core.address import Address, parse_email, parse_phone
from wxsession.server.dependencies import RuntimeDep, SessionDep, TokenDep, device_of
from wxsession.server.reauth_body import NEEDS_REAUTH, ReauthFields
from wxsession.server.routes import login_out
from wxsession.server.schemas import UTF8, LoginOut, Strict, error_responses

router = APIRouter(prefix="/v1")

PhoneText = Annotated[str, Field(min_length=1, max_length=32), UTF8]
EmailText = Annotated[str, Field(min_length=3, max_length=254), UTF8]
Code = Annotated[
    str,
    Field(
        min_length=1,
        max_length=16,
        pattern=r"^[!-~]+$",
        description="The 6-digit code sent to the address (POST /v1/auth/codes).",
    ),
]
LOGIN_ERRORS = error_responses(400, 403, 413, 422, 429, 503)
_SIGN_UP = (
    "An address no one has yet registers a user by `WXSESSION_REGISTRATION`: at once "
    "(`auto`), as a pending session (`explicit`), or only when allow-listed (`closed`, else 403 "
    "`REGISTRATION_CLOSED`). A wrong, expired or used code: 400 `CODE_INVALID`, the same for "
    "known and unknown addresses."
)


class PhoneLoginIn(Strict):
    phone: PhoneText = Field(description="E.164 (+8613800138000) or a mainland China number.")
    code: Code


class EmailLoginIn(Strict):
    email: EmailText
    code: Code


class PhoneBindIn(PhoneLoginIn, ReauthFields):
    """The new phone, its ``bind`` code, and proof of the account."""


class EmailBindIn(EmailLoginIn, ReauthFields):
    """The new e-mail address, its ``bind`` code, and proof of the account."""


async def _login(
    address: Address,
    code: str,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    presented: str | None,
) -> LoginOut:
    result = await runtime.services.address_logins.login(
        address, code, device=device_of(request), presented_token=presented
    )
    return login_out(result, response, runtime.sessions, runtime.carriers)


@router.post(
    "/auth/phone/login",
    response_model=LoginOut,
    tags=["auth"],
    summary="Sign in (or up) with a code sent to a phone number",
    description=_SIGN_UP,
    responses=LOGIN_ERRORS,
)
async def phone_login(
    body: PhoneLoginIn,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    presented: TokenDep,
) -> LoginOut:
    return await _login(parse_phone(body.phone), body.code, request, response, runtime, presented)


@router.post(
    "/auth/email/login",
    response_model=LoginOut,
    tags=["auth"],
    summary="Sign in (or up) with a code sent to an e-mail address",
    description=_SIGN_UP,
    responses=LOGIN_ERRORS,
)
async def email_login(
    body: EmailLoginIn,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    presented: TokenDep,
) -> LoginOut:
    return await _login(parse_email(body.email), body.code, request, response, runtime, presented)


_BIND = (
    "Binds the address (its `bind` code proves it) or replaces the one of that kind the "
    "account has; a change ends every session of the user. Another user's address is 409 "
    "`IDENTITY_TAKEN`: nothing is merged. Answers with a fresh session. " + NEEDS_REAUTH
)
_BIND_ERRORS = error_responses(400, 401, 403, 409, 413, 422, 429, 502, 503)


@router.post(
    "/me/identities/phone",
    response_model=LoginOut,
    status_code=status.HTTP_201_CREATED,
    tags=["me"],
    summary="Bind or change the account's phone number with a code sent to it",
    description=_BIND,
    responses=_BIND_ERRORS,
)
async def bind_phone(
    body: PhoneBindIn, request: Request, response: Response, runtime: RuntimeDep, active: SessionDep
) -> LoginOut:
    result = await runtime.services.address_binding.bind(
        active, parse_phone(body.phone), body.code, device_of(request), reauth=body.reauth_proof()
    )
    return login_out(result, response, runtime.sessions, runtime.carriers)


@router.post(
    "/me/identities/email",
    response_model=LoginOut,
    status_code=status.HTTP_201_CREATED,
    tags=["me"],
    summary="Bind or change the account's e-mail address with a code sent to it",
    description=_BIND,
    responses=_BIND_ERRORS,
)
async def bind_email(
    body: EmailBindIn, request: Request, response: Response, runtime: RuntimeDep, active: SessionDep
) -> LoginOut:
    result = await runtime.services.address_binding.bind(
        active, parse_email(body.email), body.code, device_of(request), reauth=body.reauth_proof()
    )
    return login_out(result, response, runtime.sessions, runtime.carriers)
