"""``POST /v1/auth/{provider}/login``: a login through any configured platform.

Included after every other router, so a fixed path (``/v1/auth/wechat/login``,
``/v1/auth/password/login``) always wins over this pattern.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import Field

from wxsession.server.dependencies import RuntimeDep, TokenDep
from wxsession.server.routes import login_through
from wxsession.server.schemas import LoginOut, Strict, error_responses

router = APIRouter(prefix="/v1")

PROVIDER_DESCRIPTION = (
    "The login platform: `wechat_app` (WeChat mobile App), `qq` (QQ mini program), `douyin` "
    "(Douyin mini program); `wechat` also works here. Only the platforms the server is "
    "configured for exist; any other name is 404 `NOT_FOUND`."
)


class LoginCodeIn(Strict):
    """A platform's login code, to log in with or to bind (``/v1/me/identities/{provider}``)."""

    code: str = Field(
        min_length=1,
        max_length=512,
        pattern=r"^[!-~]+$",
        description=(
            "A fresh login code of the platform: from wx.login() (wechat), the WeChat SDK's "
            "SendAuth (wechat_app), qq.login() (qq) or tt.login() (douyin). Each provider also "
            "checks its own length limit (128 characters; Douyin 512)."
        ),
    )


@router.post(
    "/auth/{provider}/login",
    response_model=LoginOut,
    tags=["auth"],
    summary="Exchange a login code of another platform (App, QQ, Douyin) for a session",
    responses=error_responses(400, 401, 403, 404, 422, 429, 502, 503),
)
async def provider_login(
    provider: Annotated[str, Path(description=PROVIDER_DESCRIPTION)],
    body: LoginCodeIn,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    presented: TokenDep,
) -> LoginOut:
    return await login_through(provider, body.model_dump(), request, response, runtime, presented)
