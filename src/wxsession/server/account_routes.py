"""The account itself over HTTP: closing it (``DELETE /v1/me``).

Chinese app stores require that a user can delete their account themselves; the deletion is
the admin CLI's (:mod:`wxsession.services.closing`), after fresh proof of the account.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request, Response, status

from wxsession.server.dependencies import RuntimeDep, SessionDep, device_of
from wxsession.server.reauth_body import NEEDS_REAUTH, ReauthFields
from wxsession.server.schemas import error_responses

router = APIRouter(prefix="/v1", tags=["me"])


class CloseAccountIn(ReauthFields):
    """``DELETE /v1/me``: only the proof."""


@router.delete(
    "/me",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete the signed-in user's account for good (every session ends)",
    description=(
        "Deletes the user with their profile, phone number, e-mail, identities and stored "
        "session_keys; every session ends. The same WeChat user, phone or e-mail can sign up "
        'again later as a new user. The body is `{"reauth": …}`. ' + NEEDS_REAUTH
    ),
    responses=error_responses(400, 401, 403, 413, 422, 429, 502, 503),
)
async def close_account(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    active: SessionDep,
    body: Annotated[
        CloseAccountIn | None, Body(description='`{"reauth": …}`: fresh proof of the account.')
    ] = None,
) -> None:
    await runtime.services.closing.close(
        active, None if body is None else body.reauth_proof(), device_of(request)
    )
    cookie = runtime.carriers.cookie
    if cookie is not None:
        response.delete_cookie(cookie.cookie_name, **cookie.attributes())
