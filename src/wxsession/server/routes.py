"""The HTTP API routes (JSON, versioned under /v1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status

from wxsession.carriers import CarrierChain
from wxsession.core.profile import Profile
from wxsession.core.session import ActiveSession
from wxsession.core.user import UserView
from wxsession.runtime import Runtime
from wxsession.server.dependencies import (
    RuntimeDep,
    TokenDep,
    any_session,
    current_user,
    device_of,
)
from wxsession.server.schemas import (
    LoginOut,
    MeOut,
    ProfileIn,
    RegisterIn,
    UserOut,
    WeChatLoginIn,
    error_responses,
)
from wxsession.services import LoginResult
from wxsession.sessions.manager import SessionManager

router = APIRouter(prefix="/v1")


def _user_out(user: UserView) -> UserOut:
    return UserOut(
        id=user.id, nickname=user.nickname, avatar_url=user.avatar_url, created_at=user.created_at
    )


def set_session(
    result: LoginResult, response: Response, sessions: SessionManager, carriers: CarrierChain
) -> int:
    """Mark a login's answer ``no-store`` and set the session cookie on it (if that carrier
    is on); returns the session's ``expires_in``."""
    response.headers["Cache-Control"] = "no-store"
    expires_in = sessions.expires_in(result.session.record)
    cookie = carriers.cookie
    if cookie is not None:
        response.set_cookie(
            cookie.cookie_name, result.session.token, max_age=expires_in, **cookie.attributes()
        )
    return expires_in


def login_out(
    result: LoginResult, response: Response, sessions: SessionManager, carriers: CarrierChain
) -> LoginOut:
    expires_in = set_session(result, response, sessions, carriers)
    return LoginOut(
        session_id=result.session.token,
        expires_in=expires_in,
        registered=result.registered,
        user=_user_out(result.user) if result.user else None,
    )


async def login_through(
    provider: str,
    proof: Mapping[str, Any],
    request: Request,
    response: Response,
    runtime: Runtime,
    presented: str | None,
) -> LoginOut:
    """A login route's whole work: ``proof`` through ``provider``, then the session out (and
    the presented session, if any, ended)."""
    result = await runtime.services.login.login(
        provider, proof, device=device_of(request), presented_token=presented
    )
    return login_out(result, response, runtime.sessions, runtime.carriers)


@router.post(
    "/auth/wechat/login",
    response_model=LoginOut,
    tags=["auth"],
    summary="Exchange a wx.login() code for a session",
    responses=error_responses(400, 401, 403, 422, 429, 502, 503),
)
async def wechat_login(
    body: WeChatLoginIn,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    presented: TokenDep,
) -> LoginOut:
    proof = {"code": body.code, "appid": body.appid}
    return await login_through("wechat", proof, request, response, runtime, presented)


@router.post(
    "/auth/register",
    response_model=LoginOut,
    status_code=status.HTTP_201_CREATED,
    tags=["auth"],
    summary="Complete registration of a pending session (explicit registration mode)",
    responses=error_responses(400, 401, 409, 422, 503),
)
async def register(
    body: RegisterIn,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    active: Annotated[ActiveSession, Depends(any_session)],
) -> LoginOut:
    profile = Profile(nickname=body.nickname, avatar_url=body.avatar_url)
    result = await runtime.services.login.register(active, profile, device_of(request))
    return login_out(result, response, runtime.sessions, runtime.carriers)


@router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["auth"],
    summary="End the current session for good",
    responses=error_responses(401, 503),
)
async def logout(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    active: Annotated[ActiveSession, Depends(any_session)],
) -> None:
    await runtime.services.sessions.logout(active, device_of(request))
    if runtime.carriers.cookie is not None:
        cookie = runtime.carriers.cookie
        response.delete_cookie(cookie.cookie_name, **cookie.attributes())


@router.get(
    "/me",
    response_model=MeOut,
    tags=["me"],
    summary="The signed-in user, with their roles and permissions",
    responses=error_responses(401, 403, 503),
)
async def me(user: Annotated[UserView, Depends(current_user)]) -> MeOut:
    return MeOut(
        **_user_out(user).model_dump(),
        roles=sorted(user.roles),
        permissions=sorted(user.permissions),
    )


@router.put(
    "/me/profile",
    response_model=UserOut,
    tags=["me"],
    summary="Set the signed-in user's nickname and avatar (from WeChat's fill-in components)",
    responses=error_responses(400, 401, 403, 422, 503),
)
async def put_profile(
    body: ProfileIn, runtime: RuntimeDep, user: Annotated[UserView, Depends(current_user)]
) -> UserOut:
    values = {name: getattr(body, name) for name in body.model_fields_set}
    return _user_out(await runtime.services.profile.update(user.id, values))
