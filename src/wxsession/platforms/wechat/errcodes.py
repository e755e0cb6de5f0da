"""WeChat's errcodes, named, and the :class:`~wxsession.platforms.wire.ErrorTable` that
makes them wxsession errors (the table every platform's codes go through).

WeChat answers most failures with HTTP 200 and ``{"errcode": N, "errmsg": "..."}``. The
errmsg text is for operators (it carries a request id, ``rid``), so the table logs it and
never copies it into the error a client sees. The AppSecret is never passed to it, so it
cannot be logged.
"""

from __future__ import annotations

import logging
from enum import IntEnum

from wxsession.core.errors import RateLimited
from wxsession.core.platform_errors import (
    WeChatCodeInvalid,
    WeChatCodeUsed,
    WeChatError,
    WeChatMisconfigured,
    WeChatUnavailable,
    WeChatUserBlocked,
)
from wxsession.platforms.wire import ErrorTable, Mapped

RATE_LIMIT_RETRY_AFTER = 60
"""WeChat's jscode2session quota is per minute, so a minute is the honest Retry-After."""


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


_MAPPING: dict[int, Mapped] = {
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
BUSY = frozenset({WeChatErrcode.RATE_LIMITED, WeChatErrcode.SYSTEM_BUSY})
"""The errcodes that say WeChat is overloaded: the caller backs off (issue 19)."""

ERRORS = ErrorTable(
    platform="WeChat",
    settings_hint="WXSESSION_APPID and WXSESSION_SECRET (or WXSESSION_WECHAT_APPS)",
    codes=_MAPPING,
    unknown=WeChatError,
    wechat=True,
    busy=BUSY,
    logger="wxsession.platforms.wechat",
    log_line="%s errcode=%d errmsg=%s -> %s%s",
)
"""jscode2session's errcodes; the token-authenticated APIs add theirs
(:data:`wxsession.platforms.wechat.api.API_ERRORS`)."""
