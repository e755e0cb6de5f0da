"""Kuaishou mini program login on the wire:
``POST https://open.kuaishou.com/oauth2/mp/code2session``.

Kuaishou's page (https://mp.kuaishou.com/docs/develop/server/code2Session.html) is not in
the sources we could read, so this follows what public SDKs send and read, alike:
github.com/HeartGarlic/kuaishou-server-api-sdk (Go, ``kuaishou.go``: a form post),
github.com/NeverRetrun/kuaishou-mini-app (PHP, ``src/Handlers/Login/Code2Session``,
``ResponseCheck.php``), and others. The request is an HTML form ``app_id, app_secret,
js_code``; every answer has an integer ``result``: 1 with ``open_id`` and ``session_key``
(no unionid), else an error code with ``error_msg``, with HTTP 200. The codes are those of
Kuaishou's OAuth 2.0 list (its API docs, "错误码", mirrored at
https://apifox.com/apidoc/project-462993/doc-355272), which the SDKs also use for the mini
program's other OAuth call (``oauth2/access_token``: 100200100, 100200101).
"""

from __future__ import annotations

import logging

from wxsession.platforms.kuaishou import SPEC
from wxsession.platforms.wire import (
    CodePlatform,
    ErrorTable,
    PlatformErrors,
    PlatformRequest,
    PlatformSession,
    json_object,
    session_of,
    text,
)

CODE2SESSION_PATH = "/oauth2/mp/code2session"
SUCCESS = 1
WORDING = PlatformErrors("Kuaishou", "ks.login()")


ERRORS = ErrorTable(
    platform="Kuaishou",
    settings_hint=(
        "WXSESSION_KUAISHOU_APPID and WXSESSION_KUAISHOU_SECRET (or WXSESSION_KUAISHOU_APPS)"
    ),
    codes={
        100200105: (WORDING.code_invalid, logging.INFO),  # the code is wrong
        100200500: (WORDING.unavailable, logging.WARNING),  # Kuaishou's internal error
        100200101: (WORDING.misconfigured, logging.ERROR),  # invalid client (app, secret)
        100200100: (WORDING.malformed, logging.ERROR),  # our request lacks a field
    },
    unknown=WORDING.malformed,
    busy=frozenset({100200500}),
)


def code2session_request(appid: str, secret: str, code: str) -> PlatformRequest:
    """The request that exchanges a ``ks.login()`` code."""
    form = {"app_id": appid, "app_secret": secret, "js_code": code}
    return PlatformRequest("POST", CODE2SESSION_PATH, form=form)


def parse_code2session(status: int, body: bytes) -> PlatformSession:
    """Kuaishou's answer as a session, or the mapped error. A non-2xx status is an outage."""
    if not 200 <= status < 300:
        raise WORDING.unavailable()
    answer = json_object(body, WORDING.malformed)
    result = answer.get("result")
    if not isinstance(result, int) or isinstance(result, bool):
        raise WORDING.malformed()
    if result != SUCCESS:
        raise ERRORS.error_for(result, text(answer.get("error_msg")))
    ids = {"openid": answer.get("open_id"), "session_key": answer.get("session_key")}
    return session_of(ids, WORDING.malformed)


KUAISHOU = CodePlatform(
    name=SPEC.name,
    errors=WORDING,
    max_code_length=SPEC.max_code_length,
    request=code2session_request,
    parse=parse_code2session,
)
