"""WeChat mobile App login (Open Platform OAuth) on the wire.

1. ``GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code`` →
   ``{access_token, expires_in, refresh_token, openid, scope, unionid}``.
2. With scope ``snsapi_userinfo``: ``GET /sns/userinfo?access_token&openid`` →
   ``{openid, nickname, headimgurl, unionid, ...}``.

Errors are WeChat's ``{"errcode", "errmsg"}`` (HTTP 200). The App's openid is not the mini
program's; the unionid is shared by the apps of one Open Platform account. The user access
token is used once, for userinfo, and never kept: ``repr`` hides it and nothing logs it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from wxsession.avatar_url import is_avatar_url
from wxsession.core.errors import RateLimited
from wxsession.core.platform_errors import (
    WeChatAccessTokenRejected,
    WeChatCodeInvalid,
    WeChatCodeUsed,
    WeChatError,
    WeChatMisconfigured,
    WeChatUnavailable,
    WeChatUserBlocked,
)
from wxsession.platforms.wire import (
    ErrorTable,
    PlatformRequest,
    errcode_answer,
    non_empty_str,
    optional_str,
)

ACCESS_TOKEN_PATH = "/sns/oauth2/access_token"  # noqa: S105 (a path)
USERINFO_PATH = "/sns/userinfo"
USERINFO_SCOPE = "snsapi_userinfo"
MAX_NICKNAME_LENGTH = 64
_SETTINGS = (
    "WXSESSION_WECHAT_APP_APPID and WXSESSION_WECHAT_APP_SECRET (or WXSESSION_WECHAT_APP_APPS)"
)


def _code_invalid() -> WeChatCodeInvalid:
    return WeChatCodeInvalid(
        "The login code is invalid or expired. Ask WeChat for a new one (SendAuth) and retry."
    )


def _code_used() -> WeChatCodeUsed:
    return WeChatCodeUsed(
        "The login code was already used. Ask WeChat for a new one (SendAuth) and retry."
    )


ACCESS_TOKEN_ERRORS = ErrorTable(
    platform="WeChat App",
    settings_hint=_SETTINGS,
    codes={
        40029: (_code_invalid, logging.INFO),
        41008: (_code_invalid, logging.INFO),
        40163: (_code_used, logging.INFO),
        40226: (WeChatUserBlocked, logging.INFO),
        45011: (lambda: RateLimited(retry_after=60), logging.WARNING),
        -1: (WeChatUnavailable, logging.WARNING),
        40001: (WeChatMisconfigured, logging.ERROR),  # "invalid credential": the secret
        40013: (WeChatMisconfigured, logging.ERROR),
        40125: (WeChatMisconfigured, logging.ERROR),
        40164: (WeChatMisconfigured, logging.ERROR),
        41002: (WeChatMisconfigured, logging.ERROR),
        41004: (WeChatMisconfigured, logging.ERROR),
    },
    unknown=WeChatError,
    wechat=True,
    busy=frozenset({45011, -1}),
)

USERINFO_ERRORS = ErrorTable(
    platform="WeChat App userinfo",
    settings_hint=_SETTINGS,
    codes={
        -1: (WeChatUnavailable, logging.WARNING),
        40001: (WeChatAccessTokenRejected, logging.WARNING),
        40014: (WeChatAccessTokenRejected, logging.WARNING),
        42001: (WeChatAccessTokenRejected, logging.WARNING),
    },
    unknown=WeChatError,
    wechat=True,
)


@dataclass(frozen=True, slots=True)
class AppGrant:
    """What an App code buys. ``access_token`` is the user's token for userinfo only."""

    openid: str = field(repr=False)
    access_token: str = field(repr=False)
    scopes: frozenset[str]
    unionid: str | None = field(default=None, repr=False)

    @property
    def allows_userinfo(self) -> bool:
        return USERINFO_SCOPE in self.scopes


@dataclass(frozen=True, slots=True)
class AppProfile:
    """The parts of userinfo worth keeping, already checked: a printable nickname of at most
    64 characters and an https avatar URL, each ``None`` when WeChat's value is not that."""

    nickname: str | None
    avatar_url: str | None


def access_token_request(appid: str, secret: str, code: str) -> PlatformRequest:
    """The request that exchanges the code the WeChat SDK's SendAuth gave the App."""
    params = {"appid": appid, "secret": secret, "code": code, "grant_type": "authorization_code"}
    return PlatformRequest("GET", ACCESS_TOKEN_PATH, params=params)


def parse_access_token(status: int, body: bytes) -> AppGrant:
    """The grant, or the mapped error. A non-2xx status is an outage."""
    data = errcode_answer(status, body, ACCESS_TOKEN_ERRORS, WeChatUnavailable, WeChatError)
    openid, token = data.get("openid"), data.get("access_token")
    if not non_empty_str(openid) or not non_empty_str(token):
        raise WeChatError()
    scope = data.get("scope")
    scopes = frozenset(scope.split(",")) if isinstance(scope, str) else frozenset()
    return AppGrant(openid, token, scopes, optional_str(data.get("unionid"), WeChatError))


def userinfo_request(grant: AppGrant) -> PlatformRequest:
    return PlatformRequest(
        "GET", USERINFO_PATH, params={"access_token": grant.access_token, "openid": grant.openid}
    )


def parse_userinfo(status: int, body: bytes, openid: str) -> AppProfile:
    """The profile in a userinfo answer about ``openid``, or the mapped error."""
    data = errcode_answer(status, body, USERINFO_ERRORS, WeChatUnavailable, WeChatError)
    if data.get("openid") != openid:
        raise WeChatError()
    return AppProfile(_nickname(data.get("nickname")), _avatar_url(data.get("headimgurl")))


def _nickname(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    ok = 0 < len(value) <= MAX_NICKNAME_LENGTH and value.isprintable()
    return value if ok else None


def _avatar_url(value: object) -> str | None:
    return value if isinstance(value, str) and is_avatar_url(value) else None
