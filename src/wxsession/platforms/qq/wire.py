"""QQ mini program login on the wire: ``GET https://api.q.qq.com/sns/jscode2session``.

The same shape as WeChat's jscode2session (query ``appid, secret, js_code, grant_type``;
errors as ``{"errcode", "errmsg"}`` with HTTP 200), but QQ also sends ``errcode: 0`` and empty
strings next to a success, and documents only -1 (busy), 40029 (invalid code) and 45011
(rate limit). A used code is answered as invalid.
"""

from __future__ import annotations

import logging

from wxsession.core.errors import RateLimited
from wxsession.platforms.qq import SPEC
from wxsession.platforms.wire import (
    CodePlatform,
    ErrorTable,
    PlatformErrors,
    PlatformRequest,
    PlatformSession,
    errcode_answer,
    session_of,
)

CODE2SESSION_PATH = "/sns/jscode2session"
RATE_LIMIT_RETRY_AFTER = 60

WORDING = PlatformErrors("QQ", "qq.login()")


ERRORS = ErrorTable(
    platform="QQ",
    settings_hint="WXSESSION_QQ_APPID and WXSESSION_QQ_SECRET (or WXSESSION_QQ_APPS)",
    codes={
        40029: (WORDING.code_invalid, logging.INFO),
        40163: (WORDING.code_invalid, logging.INFO),
        41008: (WORDING.code_invalid, logging.INFO),
        45011: (lambda: RateLimited(retry_after=RATE_LIMIT_RETRY_AFTER), logging.WARNING),
        -1: (WORDING.unavailable, logging.WARNING),
        40013: (WORDING.misconfigured, logging.ERROR),
        40125: (WORDING.misconfigured, logging.ERROR),
        41002: (WORDING.misconfigured, logging.ERROR),
        41004: (WORDING.misconfigured, logging.ERROR),
    },
    unknown=WORDING.malformed,
    busy=frozenset({45011, -1}),
)


def code2session_request(appid: str, secret: str, code: str) -> PlatformRequest:
    """The request that exchanges a ``qq.login()`` code."""
    params = {"appid": appid, "secret": secret, "js_code": code, "grant_type": "authorization_code"}
    return PlatformRequest("GET", CODE2SESSION_PATH, params=params)


def parse_code2session(status: int, body: bytes) -> PlatformSession:
    """QQ's answer as a session, or the mapped error. A non-2xx status is an outage."""
    data = errcode_answer(status, body, ERRORS, WORDING.unavailable, WORDING.malformed)
    return session_of(data, WORDING.malformed)


QQ = CodePlatform(
    name=SPEC.name,
    errors=WORDING,
    max_code_length=SPEC.max_code_length,
    request=code2session_request,
    parse=parse_code2session,
)
