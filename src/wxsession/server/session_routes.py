"""A user's own sessions: list them, end one, end the others, log out everywhere.

Sessions are named by their ``public_id`` only: never the token, never its store key. Every
lookup is scoped to the caller's user, so another user's session id is simply "not found".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status
from pydantic import Field

from wxsession.core.record import SessionRecord
from wxsession.core.session import ActiveSession
from wxsession.runtime import Runtime
from wxsession.server.dependencies import (
    RuntimeDep,
    SessionDep,
    any_session,
    device_of,
)
from wxsession.server.schemas import Strict, error_responses

router = APIRouter(prefix="/v1")

_ERRORS = error_responses(401, 403, 503)


class SessionOut(Strict):
    id: str = Field(description="The session's public id (for DELETE /v1/sessions/{id}).")
    provider: str
    user_agent: str | None = Field(
        description="A short label of the login's User-Agent (platform and app), e.g. \"iPhone "
        'WeChat 8.0"; the header itself is not kept.'
    )
    ip: str | None
    created_at: datetime
    last_seen: datetime
    current: bool = Field(description="True for the session that made this request.")


class SessionListOut(Strict):
    sessions: list[SessionOut] = Field(description="Live sessions, oldest first.")


class EndedOut(Strict):
    ended: int = Field(description="How many sessions were ended.")


def _out(record: SessionRecord, active: ActiveSession) -> SessionOut:
    return SessionOut(
        id=record.public_id,
        provider=record.provider,
        user_agent=record.user_agent,
        ip=record.ip,
        created_at=datetime.fromtimestamp(record.created_at, UTC),
        last_seen=datetime.fromtimestamp(record.last_seen, UTC),
        current=record.public_id == active.record.public_id,
    )


@router.get(
    "/sessions",
    response_model=SessionListOut,
    tags=["sessions"],
    summary="The signed-in user's live sessions",
    responses=_ERRORS,
)
async def list_sessions(runtime: RuntimeDep, active: SessionDep) -> SessionListOut:
    found = await runtime.services.sessions.list(active.user_id)
    return SessionListOut(sessions=[_out(record, active) for record in found])


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["sessions"],
    summary="End one of the signed-in user's sessions (404 if it is not theirs)",
    responses=error_responses(401, 403, 404, 503),
)
async def end_session(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    active: SessionDep,
    session_id: Annotated[str, Path(min_length=1, max_length=64)],
) -> None:
    if await runtime.services.sessions.end_own(active, session_id, device_of(request)):
        _clear_cookie(response, runtime)


@router.delete(
    "/sessions",
    response_model=EndedOut,
    tags=["sessions"],
    summary="End every session of the signed-in user except the current one",
    responses=_ERRORS,
)
async def end_other_sessions(request: Request, runtime: RuntimeDep, active: SessionDep) -> EndedOut:
    return EndedOut(ended=await runtime.services.sessions.end_others(active, device_of(request)))


@router.post(
    "/auth/logout-all",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["auth"],
    summary="Log out everywhere: end every session of the user, this one included",
    description="204 once the user's revocation point is raised in SQL: from then on every "
    "session of the user is refused, even if the session store cannot be reached at that "
    "moment (its records are then deleted when presented, or lapse). 503 means nothing was "
    "changed: retry.",
    responses=_ERRORS,
)
async def logout_all(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    active: Annotated[ActiveSession, Depends(any_session)],
) -> None:
    await runtime.services.sessions.logout_everywhere(active, device_of(request))
    _clear_cookie(response, runtime)


def _clear_cookie(response: Response, runtime: Runtime) -> None:
    cookie = runtime.carriers.cookie
    if cookie is not None:
        response.delete_cookie(cookie.cookie_name, **cookie.attributes())
