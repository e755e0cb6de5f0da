"""WeChat's errcodes, named, and the one place they become wxsession errors.

WeChat answers most failures with HTTP 200 and ``{"errcode": N, "errmsg": "..."}``. The
errmsg text is for operators (it carries a request id, ``rid``), so it is logged here and
never copied into the error a client sees.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from enum import IntEnum

from wxsession.core.errors import RateLimited, WxSessionError
from wxsession.core.platform_errors import (
    WeChatCodeInvalid,
    WeChatCodeUsed,
    WeChatError,
    WeChatMisconfigured,
    WeChatUnavailable,
    WeChatUserBlocked,
)

log = logging.getLogger("wxsession.platforms.wechat")

RATE_LIMIT_RETRY_AFTER = 60
"""WeChat's jscode2session quota is per minute, so a minute is the honest Retry-After."""

_ERRMSG_LOG_LIMIT = 200


class WeChatErrcode(IntEnum):
    """The errcodes jscode2session and the token-authenticated APIs are known to answer with."""

    SYSTEM_BUSY = -1
    OK = 0
    INVALID_CREDENTIAL = 40001
    INVALID_APPID = 40013
    INVALID_CODE = 40029
    INVALID_APPSECRET = 40125
    CODE_USED = 40163
    HIGH_RISK_USER = 40226
    APPID_MISSING = 41002
    APPSECRET_MISSING = 41004
    CODE_MISSING = 41008
    ACCESS_TOKEN_EXPIRED = 42001
    DAILY_LIMIT = 45009
    RATE_LIMITED = 45011
    IP_NOT_WHITELISTED = 40164
    INVALID_SIGNATURE = 87009


_Mapped = tuple[Callable[[], WxSessionError], int]

_MAPPING: Mapping[int, _Mapped] = {
    WeChatErrcode.INVALID_CODE: (WeChatCodeInvalid, logging.INFO),
    WeChatErrcode.CODE_MISSING: (WeChatCodeInvalid, logging.INFO),
    WeChatErrcode.CODE_USED: (WeChatCodeUsed, logging.INFO),
    WeChatErrcode.HIGH_RISK_USER: (WeChatUserBlocked, logging.INFO),
    WeChatErrcode.RATE_LIMITED: (
        lambda: RateLimited(retry_after=RATE_LIMIT_RETRY_AFTER),
        logging.WARNING,
    ),
    WeChatErrcode.SYSTEM_BUSY: (WeChatUnavailable, logging.WARNING),
    # No user can fix these; the operator must, so they are logged at ERROR.
    WeChatErrcode.INVALID_APPID: (WeChatMisconfigured, logging.ERROR),
    WeChatErrcode.INVALID_APPSECRET: (WeChatMisconfigured, logging.ERROR),
    WeChatErrcode.APPID_MISSING: (WeChatMisconfigured, logging.ERROR),
    WeChatErrcode.APPSECRET_MISSING: (WeChatMisconfigured, logging.ERROR),
    WeChatErrcode.IP_NOT_WHITELISTED: (WeChatMisconfigured, logging.ERROR),
    WeChatErrcode.DAILY_LIMIT: (WeChatUnavailable, logging.ERROR),
}
_UNKNOWN: _Mapped = (WeChatError, logging.WARNING)
BUSY = frozenset({WeChatErrcode.RATE_LIMITED, WeChatErrcode.SYSTEM_BUSY})
"""The errcodes that say WeChat is overloaded: the caller backs off (issue 19)."""


def error_for(errcode: int, errmsg: str) -> WxSessionError:
    """Map a non-zero WeChat errcode to the wxsession error to raise, logging the details.

    WeChat's errmsg is logged (shortened, repr-quoted against log injection), never put in
    the returned error. The AppSecret is never passed here, so it cannot be logged.
    """
    make_error, level = _MAPPING.get(errcode, _UNKNOWN)
    error = make_error()
    error.wechat_errcode = errcode
    error.platform_busy = errcode in BUSY
    hint = "; check WXSESSION_APPID and WXSESSION_SECRET" if level >= logging.ERROR else ""
    log.log(
        level,
        "WeChat errcode=%d errmsg=%s -> %s%s",
        errcode,
        repr(errmsg[:_ERRMSG_LOG_LIMIT]),
        error.code,
        hint,
    )
    return error
