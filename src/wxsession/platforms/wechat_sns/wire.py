"""WeChat's sns OAuth on the wire, for every platform that logs in with it.

1. ``GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code`` →
   ``{access_token, expires_in, refresh_token, openid, scope, unionid?, is_snapshotuser?}``
   (https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsaccesstoken.html).
2. With scope ``snsapi_userinfo`` or ``snsapi_login``: ``GET /sns/userinfo?access_token&openid``
   → ``{openid, nickname, headimgurl, unionid, ...}``.
3. The browser flows start at WeChat's authorize page, which sends the browser back to
   ``redirect_uri?code=CODE&state=STATE`` (without ``code`` when the user refused):
   ``connect/oauth2/authorize`` inside WeChat (Official Account web authorisation,
   https://developers.weixin.qq.com/doc/offiaccount/en/OA_Web_Apps/Wechat_webpage_authorization.html)
   and ``connect/qrconnect`` for a website's QR login
   (https://developers.weixin.qq.com/doc/oplatform/Website_App/WeChat_Login/Wechat_Login.html).

Errors are WeChat's ``{"errcode", "errmsg"}`` (HTTP 200). ``is_snapshotuser: 1`` marks a
visitor of a "snapshot page" (WeChat's preview of a page that asked for userinfo too early):
its openid and unionid are a virtual account's, so such a grant is refused. The user access
token is used once, for userinfo, and never kept: ``repr`` hides it and nothing logs it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode

from wxsession.avatar_url import is_avatar_url
from wxsession.core.errors import RateLimited
from wxsession.core.platform_errors import (
    WeChatAccessTokenRejected,
    WeChatCodeInvalid,
    WeChatCodeUsed,
    WeChatError,
    WeChatMisconfigured,
    WeChatSnapshotUser,
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
PROFILE_SCOPES = frozenset({"snsapi_userinfo", "snsapi_login"})
"""Scopes whose grant may read ``sns/userinfo`` (``snsapi_base`` may not)."""
MAX_NICKNAME_LENGTH = 64


@dataclass(frozen=True, slots=True)
class SnsErrors:
    """A platform's two error tables: the code exchange's and userinfo's."""

    access_token: ErrorTable[int]
    userinfo: ErrorTable[int]


def sns_errors(platform: str, settings_hint: str, code_source: str) -> SnsErrors:
    """The error tables of a platform named ``platform`` (in logs), whose credentials are the
    settings ``settings_hint`` and whose codes come from ``code_source`` (in messages)."""

    def code_invalid() -> WeChatCodeInvalid:
        return WeChatCodeInvalid(
            f"The login code is invalid or expired. Get a new one ({code_source}) and retry."
        )

    def code_used() -> WeChatCodeUsed:
        return WeChatCodeUsed(
            f"The login code was already used. Get a new one ({code_source}) and retry."
        )

    misconfigured = (WeChatMisconfigured, logging.ERROR)
    access_token = ErrorTable(
        platform=platform,
        settings_hint=settings_hint,
        codes={
            40029: (code_invalid, logging.INFO),
            41008: (code_invalid, logging.INFO),
            40163: (code_used, logging.INFO),
            40226: (WeChatUserBlocked, logging.INFO),
            45011: (lambda: RateLimited(retry_after=60), logging.WARNING),
            -1: (WeChatUnavailable, logging.WARNING),
            40001: misconfigured,  # "invalid credential": the secret
            40013: misconfigured,
            40125: misconfigured,
            40164: misconfigured,
            41002: misconfigured,
            41004: misconfigured,
        },
        unknown=WeChatError,
        wechat=True,
        busy=frozenset({45011, -1}),
    )
    userinfo = ErrorTable(
        platform=f"{platform} userinfo",
        settings_hint=settings_hint,
        codes={
            -1: (WeChatUnavailable, logging.WARNING),
            40001: (WeChatAccessTokenRejected, logging.WARNING),
            40014: (WeChatAccessTokenRejected, logging.WARNING),
            42001: (WeChatAccessTokenRejected, logging.WARNING),
        },
        unknown=WeChatError,
        wechat=True,
    )
    return SnsErrors(access_token, userinfo)


@dataclass(frozen=True, slots=True)
class SnsGrant:
    """What a code buys. ``access_token`` is the user's token for userinfo only."""

    openid: str = field(repr=False)
    access_token: str = field(repr=False)
    scopes: frozenset[str]
    unionid: str | None = field(default=None, repr=False)

    @property
    def allows_userinfo(self) -> bool:
        return not PROFILE_SCOPES.isdisjoint(self.scopes)


@dataclass(frozen=True, slots=True)
class SnsProfile:
    """The parts of userinfo worth keeping, already checked: a printable nickname of at most
    64 characters and an https avatar URL, each ``None`` when WeChat's value is not that."""

    nickname: str | None
    avatar_url: str | None


@dataclass(frozen=True, slots=True)
class SnsAuthorizer:
    """A browser flow's first step: WeChat's page at ``base + path`` (``base`` may be empty:
    a path on the service's own host, dev mode's emulator) for ``appid`` and ``scope``."""

    base: str
    path: str
    appid: str
    scope: str

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        """The page's URL, with the parameters in the order WeChat documents and its
        ``#wechat_redirect`` fragment."""
        query = urlencode(
            {
                "appid": self.appid,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": self.scope,
                "state": state,
            }
        )
        return f"{self.base}{self.path}?{query}#wechat_redirect"


def access_token_request(appid: str, secret: str, code: str) -> PlatformRequest:
    """The request that exchanges a code for a grant."""
    params = {"appid": appid, "secret": secret, "code": code, "grant_type": "authorization_code"}
    return PlatformRequest("GET", ACCESS_TOKEN_PATH, params=params)


def parse_access_token(status: int, body: bytes, errors: SnsErrors) -> SnsGrant:
    """The grant, or the mapped error; a snapshot visitor is
    :class:`~wxsession.core.platform_errors.WeChatSnapshotUser`. A non-2xx status is an
    outage."""
    data = errcode_answer(status, body, errors.access_token, WeChatUnavailable, WeChatError)
    openid, token = data.get("openid"), data.get("access_token")
    if not non_empty_str(openid) or not non_empty_str(token):
        raise WeChatError()
    if data.get("is_snapshotuser") in (1, "1", True):
        raise WeChatSnapshotUser()
    scope = data.get("scope")
    scopes = frozenset(scope.split(",")) if isinstance(scope, str) else frozenset()
    return SnsGrant(openid, token, scopes, optional_str(data.get("unionid"), WeChatError))


def userinfo_request(grant: SnsGrant) -> PlatformRequest:
    return PlatformRequest(
        "GET", USERINFO_PATH, params={"access_token": grant.access_token, "openid": grant.openid}
    )


def parse_userinfo(status: int, body: bytes, openid: str, errors: SnsErrors) -> SnsProfile:
    """The profile in a userinfo answer about ``openid``, or the mapped error."""
    data = errcode_answer(status, body, errors.userinfo, WeChatUnavailable, WeChatError)
    if data.get("openid") != openid:
        raise WeChatError()
    return SnsProfile(_nickname(data.get("nickname")), _avatar_url(data.get("headimgurl")))


def _nickname(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    ok = 0 < len(value) <= MAX_NICKNAME_LENGTH and value.isprintable()
    return value if ok else None


def _avatar_url(value: object) -> str | None:
    return value if isinstance(value, str) and is_avatar_url(value) else None
