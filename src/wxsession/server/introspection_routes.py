"""Session introspection for services that are not ours (other languages, gateways).

``GET /v1/session/introspect`` answers a service holding a user's token: is it live, whose is
it, how long until it lapses. ``GET /v1/session/auth`` is the same check in the shape nginx's
``auth_request`` wants: 200 with ``X-User-Id`` and no body, or 401/403. Both renew a live
session like any use does, never reveal openid/unionid/session_key, and are ``no-store``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel

from wxsession.core.session import ActiveSession, RegisteredSession
from wxsession.runtime import Runtime
from wxsession.server.dependencies import RuntimeDep, any_session, require_session
from wxsession.server.schemas import error_responses

router = APIRouter(prefix="/v1/session", tags=["introspection"])

NO_STORE = {"Cache-Control": "no-store"}


class IntrospectOut(BaseModel):
    active: bool
    user_id: str | None
    registered: bool
    expires_in: int


@router.get(
    "/introspect",
    response_model=IntrospectOut,
    summary="Who holds this session, and for how long (for other services)",
    responses=error_responses(401, 503),
)
async def introspect(
    runtime: RuntimeDep, active: Annotated[ActiveSession, Depends(any_session)]
) -> IntrospectOut:
    return introspection_of(runtime, active)


def introspection_of(runtime: Runtime, active: ActiveSession) -> IntrospectOut:
    """What the introspection route answers about a live session."""
    return IntrospectOut(
        active=True,
        user_id=active.record.user_id,
        registered=active.record.registered,
        expires_in=runtime.sessions.expires_in(active.record),
    )


@router.get(
    "/auth",
    status_code=200,
    response_class=Response,  # no body: the OpenAPI document must not promise JSON
    summary="nginx auth_request: 200 with X-User-Id, or 401/403",
    responses={
        200: {"description": "A live session of a registered user; see `X-User-Id`."},
        **error_responses(401, 403, 503),
    },
)
async def auth_request(
    active: Annotated[RegisteredSession, Depends(require_session)],
) -> Response:
    return Response(status_code=200, headers={**NO_STORE, "X-User-Id": active.user_id})
