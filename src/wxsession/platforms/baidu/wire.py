"""Baidu smart program login on the wire:
``POST https://spapi.baidu.com/oauth/jscode2sessionkey``.

Documented at https://smartprogram.baidu.com/docs/develop/api/open/log_Session-Key/
(source: github.com/swan-team/swan-docs, ``develop/api/open/log_Session-Key.md``). The
request is an HTML form ``code, client_id (AppKey), sk (AppSecret)``; a success is
``{"openid", "session_key"}`` (no unionid); an error is Baidu OAuth 2.0's
``{"error", "error_description"}``, whose words are listed at
https://developer.baidu.com/wiki/index.php?title=docs/oauth/error and which Baidu's OAuth
answers with HTTP 400. So an ``error`` under any status below 500 is Baidu's verdict; a 5xx,
or a non-2xx without one, is an outage. Baidu documents no "busy" error.
"""

from __future__ import annotations

import logging
from typing import Any

from wxsession.platforms.baidu import SPEC
from wxsession.platforms.wire import (
    CodePlatform,
    ErrorTable,
    PlatformErrors,
    PlatformRequest,
    PlatformSession,
    json_object,
    non_empty_str,
    session_of,
    text,
)

SESSION_KEY_PATH = "/oauth/jscode2sessionkey"
WORDING = PlatformErrors("Baidu", "swan.getLoginCode()")


ERRORS = ErrorTable(
    platform="Baidu",
    settings_hint=(
        "WXSESSION_BAIDU_APP_KEY and WXSESSION_BAIDU_APP_SECRET (or WXSESSION_BAIDU_APPS)"
    ),
    codes={
        "invalid_grant": (WORDING.code_invalid, logging.INFO),  # invalid, expired or used
        "invalid_client": (WORDING.misconfigured, logging.ERROR),  # client_id or sk wrong
        "unauthorized_client": (WORDING.misconfigured, logging.ERROR),  # app not allowed
        "invalid_request": (WORDING.malformed, logging.ERROR),  # our request lacks a field
    },
    unknown=WORDING.malformed,
)


def session_key_request(app_key: str, app_secret: str, code: str) -> PlatformRequest:
    """The request that exchanges a ``swan.getLoginCode()`` code."""
    form = {"code": code, "client_id": app_key, "sk": app_secret}
    return PlatformRequest("POST", SESSION_KEY_PATH, form=form)


def parse_session_key(status: int, body: bytes) -> PlatformSession:
    """Baidu's answer as a session, or the mapped error."""
    if not 200 <= status < 500:
        raise WORDING.unavailable()
    ok = status < 300
    answer: dict[str, Any] = json_object(body, WORDING.malformed if ok else WORDING.unavailable)
    if "error" in answer:
        error = answer["error"]
        if not non_empty_str(error):
            raise WORDING.malformed()
        raise ERRORS.error_for(error, text(answer.get("error_description")))
    if not ok:
        raise WORDING.unavailable()
    return session_of(answer, WORDING.malformed)


BAIDU = CodePlatform(
    name=SPEC.name,
    errors=WORDING,
    max_code_length=SPEC.max_code_length,
    request=session_key_request,
    parse=parse_session_key,
)
