"""WeChat's token-authenticated server APIs on the wire: access token, phone number,
checksession. Build the request, parse the answer; no I/O (see
:mod:`wxsession.platforms.wechat.client`).

Kept beside :mod:`wxsession.platforms.wechat.wire` (jscode2session) and sharing its rules: the
content type is ignored (WeChat labels JSON ``text/plain``), a non-2xx status is an outage,
and an errcode becomes a wxsession error in one place.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from wxsession.core.errors import WxSessionError
from wxsession.core.platform_errors import (
    WeChatAccessTokenRejected,
    WeChatError,
    WeChatMisconfigured,
    WeChatPhoneCodeInvalid,
    WeChatUnavailable,
)
from wxsession.platforms.wechat.errcodes import ERRORS, WeChatErrcode
from wxsession.platforms.wire import ErrorTable, PlatformRequest, errcode_answer

STABLE_TOKEN_PATH = "/cgi-bin/stable_token"  # noqa: S105 (a path, not a secret)
TOKEN_PATH = "/cgi-bin/token"  # noqa: S105
PHONE_PATH = "/wxa/business/getuserphonenumber"
CHECK_SESSION_PATH = "/wxa/checksession"

TOKEN_REJECTED = frozenset({WeChatErrcode.INVALID_CREDENTIAL, WeChatErrcode.ACCESS_TOKEN_EXPIRED})
"""Errcodes that mean "this access token is no good": refresh it once and retry."""

API_ERRORS = ERRORS.with_codes(
    {
        **{errcode: (WeChatAccessTokenRejected, None) for errcode in TOKEN_REJECTED},
        WeChatErrcode.INVALID_SIGNATURE: (WeChatError, None),  # checksession: a stale key
    }
)
"""jscode2session's table plus the errcodes the caller handles (not logged)."""
_TOKEN_ERRORS = API_ERRORS.with_codes(
    {WeChatErrcode.INVALID_CREDENTIAL: (WeChatMisconfigured, None)}
)
"""40001 at the token call means the AppSecret is wrong (the operator's fault)."""
_PHONE_ERRORS = API_ERRORS.with_codes({WeChatErrcode.INVALID_CODE: (WeChatPhoneCodeInvalid, None)})


@dataclass(frozen=True, slots=True)
class AccessToken:
    token: str = field(repr=False)
    expires_in: int


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """The verified phone number. ``country_code`` is text even when WeChat sent a number."""

    phone_number: str
    pure_phone_number: str
    country_code: str


def stable_token_request(
    appid: str, secret: str, *, force_refresh: bool = False
) -> PlatformRequest:
    """``POST /cgi-bin/stable_token``: the same token while it is valid, so several servers
    asking do not invalidate each other's copy."""
    body = {
        "grant_type": "client_credential",
        "appid": appid,
        "secret": secret,
        "force_refresh": force_refresh,
    }
    return PlatformRequest("POST", STABLE_TOKEN_PATH, body=body)


def token_request(appid: str, secret: str) -> PlatformRequest:
    """``GET /cgi-bin/token``: the older call; every call issues a new token."""
    params = {"grant_type": "client_credential", "appid": appid, "secret": secret}
    return PlatformRequest("GET", TOKEN_PATH, params=params)


def parse_access_token(status: int, body: bytes) -> AccessToken:
    """The token, or an error; 40001 here means the AppSecret is wrong (an operator's fault),
    not a stale token."""
    data = _answer(status, body, _TOKEN_ERRORS)
    token, expires_in = data.get("access_token"), data.get("expires_in")
    if not isinstance(token, str) or not token or not _positive_int(expires_in):
        raise WeChatError()
    assert isinstance(expires_in, int)
    return AccessToken(token=token, expires_in=expires_in)


def phone_number_request(access_token: str, code: str) -> PlatformRequest:
    return PlatformRequest("POST", PHONE_PATH, {"access_token": access_token}, {"code": code})


def parse_phone_number(status: int, body: bytes, appid: str) -> PhoneNumber:
    """The phone number behind a getPhoneNumber ``code``; its watermark must name ``appid``."""
    data = _answer(status, body, _PHONE_ERRORS)
    info = data.get("phone_info")
    if not isinstance(info, dict):
        raise WeChatError()
    watermark = info.get("watermark")
    if not isinstance(watermark, dict) or watermark.get("appid") != appid:
        raise WeChatError("WeChat's phone number answer names another app.")
    phone, pure, country = (
        info.get("phoneNumber"),
        info.get("purePhoneNumber"),
        info.get("countryCode"),
    )
    if _positive_int(country):  # documented as a string, seen as a number
        country = str(country)
    if not all(isinstance(value, str) and value for value in (phone, pure, country)):
        raise WeChatError()
    assert isinstance(phone, str) and isinstance(pure, str) and isinstance(country, str)
    return PhoneNumber(phone_number=phone, pure_phone_number=pure, country_code=country)


def session_key_signature(session_key: str) -> str:
    """checksession's signature: hex HMAC-SHA256 of the empty string, keyed by the
    session_key text exactly as WeChat sent it (its base64, not the decoded bytes)."""
    return hmac.new(session_key.encode("utf-8"), b"", hashlib.sha256).hexdigest()


def check_session_request(access_token: str, openid: str, session_key: str) -> PlatformRequest:
    params = {
        "access_token": access_token,
        "openid": openid,
        "signature": session_key_signature(session_key),
        "sig_method": "hmac_sha256",
    }
    return PlatformRequest("GET", CHECK_SESSION_PATH, params)


def parse_check_session(status: int, body: bytes) -> bool:
    """True if WeChat still accepts the session_key, False if it does not (87009)."""
    try:
        _answer(status, body)
    except WxSessionError as exc:
        if exc.wechat_errcode == WeChatErrcode.INVALID_SIGNATURE:
            return False
        raise
    return True


def _answer(status: int, body: bytes, errors: ErrorTable[int] = API_ERRORS) -> dict[str, Any]:
    return errcode_answer(status, body, errors, WeChatUnavailable, WeChatError)


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
