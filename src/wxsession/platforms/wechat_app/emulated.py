"""The WeChat mobile App's Open Platform OAuth as the emulator plays it (``sns/oauth2/
access_token`` and ``sns/userinfo`` on WeChat's host, served at the root).

Written from WeChat's documentation, not from our client's parser, so the emulator stays an
independent oracle. The App shares the mini program's unionids (one Open Platform account).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wxsession.emulator.core import EmulatorCore
from wxsession.emulator.records import ExchangeErrors
from wxsession.emulator.routing import EmulatedPlatform, answer
from wxsession.platforms.wechat_app import SPEC

NAME = SPEC.name
FAMILY = "wechat"
"""Unionids are WeChat's, the same as the mini program's."""
USER_TOKEN_TTL = 7200

ERRMSGS: Mapping[int, str] = {
    -1: "system error",
    40003: "invalid openid",
    40013: "invalid appid",
    40014: "invalid access_token",
    40029: "invalid code",
    40125: "invalid appsecret",
    40163: "code been used",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    42001: "access_token expired",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
}

ERRORS = ExchangeErrors(
    no_appid=41002,
    no_secret=41004,
    no_code=41008,
    bad_appid=40013,
    bad_secret=40125,
    bad_code=40029,
    used_code=40163,
)


def access_token(
    emulator: EmulatorCore, appid: str | None, secret: str | None, code: str | None
) -> dict[str, Any]:
    """``sns/oauth2/access_token``: a user access token for the code's user."""
    taken = emulator.take(NAME, ERRORS, appid, secret, code)
    if isinstance(taken, int):
        return emulator.errcode_error(taken, ERRMSGS)
    openid = emulator.openid_for(taken.appid, taken.user)
    token = emulator.user_token(taken.appid, taken.user, openid, USER_TOKEN_TTL)
    grant = {
        "access_token": token,
        "expires_in": USER_TOKEN_TTL,
        "refresh_token": secrets.token_urlsafe(48),
        "openid": openid,
        "scope": "snsapi_userinfo",
    }
    if emulator.unionid:
        grant["unionid"] = emulator.unionid_for(taken.user, FAMILY)
    return grant


def userinfo(emulator: EmulatorCore, token: str | None, openid: str | None) -> dict[str, Any]:
    """``sns/userinfo``: the token's user, if ``openid`` is theirs."""
    if not token:
        return emulator.errcode_error(41001, ERRMSGS)
    grant = emulator.user_grant(token)
    if grant is None:
        return emulator.errcode_error(40014, ERRMSGS)
    if grant.expires_at <= emulator.clock():
        return emulator.errcode_error(42001, ERRMSGS)
    if openid != grant.openid:
        return emulator.errcode_error(40003, ERRMSGS)
    avatar = emulator.derive(b"avatar", grant.user)
    profile: dict[str, Any] = {
        "openid": grant.openid,
        "nickname": grant.user,
        "sex": 0,
        "province": "",
        "city": "",
        "country": "CN",
        "headimgurl": f"https://thirdwx.qlogo.cn/mmopen/vi_32/{avatar}/132",
        "privilege": [],
    }
    if emulator.unionid:
        profile["unionid"] = emulator.unionid_for(grant.user, FAMILY)
    return profile


def routes(emulator: EmulatorCore) -> list[Route]:
    """The App's OAuth paths on WeChat's host."""
    error = emulator.errcode_errors(ERRMSGS)

    async def oauth2_access_token(request: Request) -> Response:
        q = request.query_params
        return await answer(
            emulator,
            request,
            lambda: access_token(emulator, q.get("appid"), q.get("secret"), q.get("code")),
            error,
        )

    async def sns_userinfo(request: Request) -> Response:
        q = request.query_params
        return await answer(
            emulator,
            request,
            lambda: userinfo(emulator, q.get("access_token"), q.get("openid")),
            error,
        )

    return [
        Route("/sns/oauth2/access_token", oauth2_access_token, methods=["GET"]),
        Route("/sns/userinfo", sns_userinfo, methods=["GET"]),
    ]


EMULATED = EmulatedPlatform(NAME, "", routes)
