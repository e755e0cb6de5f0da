"""A user's ways to sign in: list them, bind one more, set a password, unbind one.

Every change carries ``reauth``, fresh proof of the account (:mod:`wxsession.services.reauth`): a
session alone, stolen or not, cannot change how the account signs in.

Binding and setting a password authenticate through the new identity, so each answers with a
fresh session and ends the one presented; unbinding ends every session of the user and answers
with a fresh one (see :meth:`wxsession.services.identities.IdentityService.unbind`). The list
never shows an openid, unionid or session_key: a WeChat identity is named by its provider and
appid only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, Response, status
from pydantic import Field

from wxsession.accounts.login_names import PASSWORD_PROVIDER
from wxsession.accounts.models import IdentityRow
from wxsession.server.dependencies import RuntimeDep, SessionDep, device_of
from wxsession.server.password_routes import PasswordNameProvenIn
from wxsession.server.provider_routes import LoginCodeIn
from wxsession.server.reauth_body import NEEDS_REAUTH, ReauthFields, UnbindIn
from wxsession.server.routes import login_out
from wxsession.server.schemas import LoginOut, Strict, error_responses

router = APIRouter(prefix="/v1/me/identities", tags=["me"])

ProviderName = Annotated[
    str, Path(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$", description="e.g. wechat")
]


class BindIn(LoginCodeIn, ReauthFields):
    """A login code of the identity to bind, and proof of the account it joins."""


class PasswordAddIn(PasswordNameProvenIn, ReauthFields):
    """The new login name (a phone with its ``bind`` code) and password, and proof of the
    account (a code: it has no password yet)."""


class IdentityOut(Strict):
    provider: str = Field(description="How this way signs in: wechat, password, ...")
    app_id: str = Field(description="The app it belongs to (the appid; 'local' for passwords).")
    login_name: str | None = Field(
        description="The normalised username or phone of a password sign-in; null otherwise."
    )
    created_at: datetime


class IdentityListOut(Strict):
    identities: list[IdentityOut] = Field(description="Every way to sign in, oldest first.")


def _out(row: IdentityRow) -> IdentityOut:
    created = row.created_at  # SQLite hands it back without a zone; it was written in UTC
    return IdentityOut(
        provider=row.provider,
        app_id=row.app_id,
        login_name=row.subject if row.provider == PASSWORD_PROVIDER else None,
        created_at=created if created.tzinfo is not None else created.replace(tzinfo=UTC),
    )


@router.get(
    "",
    response_model=IdentityListOut,
    summary="The signed-in user's ways to sign in (no openid or unionid)",
    responses=error_responses(401, 403, 503),
)
async def list_identities(runtime: RuntimeDep, active: SessionDep) -> IdentityListOut:
    rows = await runtime.services.identities.list(active)
    return IdentityListOut(identities=[_out(row) for row in rows])


@router.post(
    "/password",
    response_model=LoginOut,
    status_code=status.HTTP_201_CREATED,
    summary="Set a login name and password on an account without one; returns a fresh session",
    description=NEEDS_REAUTH,
    responses=error_responses(400, 401, 403, 409, 413, 422, 429, 502, 503),
)
async def add_password(
    body: PasswordAddIn,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    active: SessionDep,
) -> LoginOut:
    result = await runtime.services.passwords.add(
        active,
        body.name,
        body.password,
        device_of(request),
        reauth=body.reauth_proof(),
        phone=body.proven_phone(),
        code=body.code,
    )
    return login_out(result, response, runtime.sessions, runtime.carriers)


@router.post(
    "/{provider}",
    response_model=LoginOut,
    status_code=status.HTTP_201_CREATED,
    summary="Bind another identity with a login code (201; 200 if it already was the caller's)",
    description=(
        "`code` proves the new identity; `reauth` must still prove the account it joins. "
        + NEEDS_REAUTH
    ),
    responses={
        200: {"model": LoginOut, "description": "Already bound to the caller"},
        **error_responses(400, 401, 403, 404, 409, 422, 429, 502, 503),
    },
)
async def bind_identity(
    provider: ProviderName,
    body: BindIn,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    active: SessionDep,
) -> LoginOut:
    result, added = await runtime.services.identities.bind(
        active,
        provider,
        {"code": body.code, "appid": body.appid},
        device_of(request),
        reauth=body.reauth_proof(),
    )
    if not added:
        response.status_code = status.HTTP_200_OK
    return login_out(result, response, runtime.sessions, runtime.carriers)


@router.delete(
    "/{provider}",
    response_model=LoginOut,
    summary="Unbind a way to sign in (never the last); ends every session, returns a fresh one",
    description=(
        'The body is `{"reauth": …}`. The fresh session names a way in the user still has. '
        + NEEDS_REAUTH
    ),
    responses=error_responses(400, 401, 403, 404, 409, 422, 429, 502, 503),
)
async def unbind_identity(
    provider: ProviderName,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    active: SessionDep,
    app_id: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            description="Which app's identity, when several of this provider are bound.",
        ),
    ] = None,
    body: Annotated[
        UnbindIn | None, Body(description='`{"reauth": …}`: fresh proof of the account.')
    ] = None,
) -> LoginOut:
    result = await runtime.services.identities.unbind(
        active,
        provider,
        app_id,
        device_of(request),
        reauth=None if body is None else body.reauth_proof(),
    )
    return login_out(result, response, runtime.sessions, runtime.carriers)
