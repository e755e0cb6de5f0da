"""Douyin (ByteDance) mini program login on the wire:
``POST https://developer.toutiao.com/api/apps/v2/jscode2session``.

The request is a JSON body ``{appid, secret, code}``; every answer is
``{"err_no", "err_tips", "log_id", "data"}``, with the ids in ``data`` when ``err_no`` is 0.
Douyin answers a wrong, expired or used code alike (40018). Anonymous logins
(``anonymous_code``) are not supported: they carry no stable user id to sign in with.
"""

from __future__ import annotations

import logging

from wxsession.platforms.douyin import SPEC
from wxsession.platforms.wire import (
    CodePlatform,
    ErrorTable,
    PlatformErrors,
    PlatformRequest,
    PlatformSession,
    int_field,
    json_object,
    session_of,
    text,
)

CODE2SESSION_PATH = "/api/apps/v2/jscode2session"
WORDING = PlatformErrors("Douyin", "tt.login()")


ERRORS = ErrorTable(
    platform="Douyin",
    settings_hint="WXSESSION_DOUYIN_APPID and WXSESSION_DOUYIN_SECRET (or WXSESSION_DOUYIN_APPS)",
    codes={
        40018: (WORDING.code_invalid, logging.INFO),  # bad code
        40019: (WORDING.code_invalid, logging.INFO),  # bad anonymous_code
        -1: (WORDING.unavailable, logging.WARNING),
        40015: (WORDING.misconfigured, logging.ERROR),  # bad appid
        40017: (WORDING.misconfigured, logging.ERROR),  # bad secret
        40014: (WORDING.malformed, logging.ERROR),  # bad params: our request is wrong
    },
    unknown=WORDING.malformed,
    busy=frozenset({-1}),
)


def code2session_request(appid: str, secret: str, code: str) -> PlatformRequest:
    """The request that exchanges a ``tt.login()`` code."""
    return PlatformRequest(
        "POST", CODE2SESSION_PATH, body={"appid": appid, "secret": secret, "code": code}
    )


def parse_code2session(status: int, body: bytes) -> PlatformSession:
    """Douyin's answer as a session, or the mapped error. A non-2xx status is an outage."""
    if not 200 <= status < 300:
        raise WORDING.unavailable()
    answer = json_object(body, WORDING.malformed)
    if "err_no" not in answer:
        raise WORDING.malformed()
    err_no = int_field(answer, "err_no", WORDING.malformed)
    if err_no != 0:
        raise ERRORS.error_for(err_no, text(answer.get("err_tips")))
    data = answer.get("data")
    if not isinstance(data, dict):
        raise WORDING.malformed()
    return session_of(data, WORDING.malformed)


DOUYIN = CodePlatform(
    name=SPEC.name,
    errors=WORDING,
    max_code_length=SPEC.max_code_length,
    request=code2session_request,
    parse=parse_code2session,
)
