"""Phone numbers and e-mail addresses as ways in, over HTTP (issue 23 section 2): sign in
with a code sent to one, and bind or change one on the account.

Codes come from ``POST /v1/auth/codes`` (purpose ``login`` for these logins, ``bind`` for
binding). Addresses are read as the service spells them (:mod:`wxsession.core.address`: E.164
phones, e-mail with the domain lower-cased); a malformed one is 400 ``PHONE_INVALID`` or
``EMAIL_INVALID``. WeChat's one-tap phone login is in :mod:`wxsession.server.wechat_routes`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Request, Response, status
from pydantic import Field

from wxsession.core.address import Address, parse_email, parse_phone
from wxsession.server.dependencies import RuntimeDep, SessionDep, TokenDep, device_of
from wxsession.server.reauth_body import NEEDS_REAUTH, ReauthFields
from wxsession.server.routes import login_out
from wxsession.server.schemas import UTF8, LoginOut, Strict, error_responses

router = APIRouter(prefix="/v1")
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

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


def _post(
    path: str,
    tag: str,
    summary: str,
    description: str,
    responses: dict[int | str, Any],
    status_code: int = status.HTTP_200_OK,
) -> Callable[[Endpoint], Endpoint]:
    """A route that answers with a session, as all four here are declared."""
    return router.post(
        path,
        response_model=LoginOut,
        status_code=status_code,
        tags=[tag],
        summary=summary,
        description=description,
        responses=responses,
    )


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


@_post(
    "/auth/phone/login",
    "auth",
    "Sign in (or up) with a code sent to a phone number",
    _SIGN_UP,
    LOGIN_ERRORS,
)
async def phone_login(
    body: PhoneLoginIn,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    presented: TokenDep,
) -> LoginOut:
    return await _login(parse_phone(body.phone), body.code, request, response, runtime, presented)


@_post(
    "/auth/email/login",
    "auth",
    "Sign in (or up) with a code sent to an e-mail address",
    _SIGN_UP,
    LOGIN_ERRORS,
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


async def _bind(
    address: Address,
    body: PhoneBindIn | EmailBindIn,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    active: SessionDep,
) -> LoginOut:
    result = await runtime.services.address_binding.bind(
        active, address, body.code, device_of(request), reauth=body.reauth_proof()
    )
    return login_out(result, response, runtime.sessions, runtime.carriers)


@_post(
    "/me/identities/phone",
    "me",
    "Bind or change the account's phone number with a code sent to it",
    _BIND,
    _BIND_ERRORS,
    status.HTTP_201_CREATED,
)
async def bind_phone(
    body: PhoneBindIn, request: Request, response: Response, runtime: RuntimeDep, active: SessionDep
) -> LoginOut:
    return await _bind(parse_phone(body.phone), body, request, response, runtime, active)


@_post(
    "/me/identities/email",
    "me",
    "Bind or change the account's e-mail address with a code sent to it",
    _BIND,
    _BIND_ERRORS,
    status.HTTP_201_CREATED,
)
async def bind_email(
    body: EmailBindIn, request: Request, response: Response, runtime: RuntimeDep, active: SessionDep
) -> LoginOut:
    return await _bind(parse_email(body.email), body, request, response, runtime, active)
