"""jscode2session on the wire: build the request, parse the answer. No I/O, no framework.

Kept apart from the HTTP client so every quirk of WeChat's answers (JSON labelled
``text/plain``, ``errcode: 0`` next to data, HTML error pages from a gateway) is tested
with plain bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from wxsession.errors import WeChatError, WeChatUnavailable
from wxsession.platforms.wire import PlatformRequest
from wxsession.wechat.codes import error_for

CODE2SESSION_PATH = "/sns/jscode2session"


@dataclass(frozen=True, slots=True)
class Code2Session:
    """What jscode2session says about a login. ``repr`` hides all of it: it is user data
    (openid, unionid) or a secret (session_key)."""

    openid: str = field(repr=False)
    session_key: str = field(repr=False)
    unionid: str | None = field(default=None, repr=False)


def code2session_request(appid: str, secret: str, code: str) -> PlatformRequest:
    """The request that exchanges a ``wx.login()`` code (the query holds the AppSecret)."""
    return PlatformRequest(
        "GET",
        CODE2SESSION_PATH,
        {
            "appid": appid,
            "secret": secret,
            "js_code": code,
            "grant_type": "authorization_code",
        },
    )


def parse_code2session(status: int, body: bytes) -> Code2Session:
    """Turn WeChat's answer into a :class:`Code2Session`, or raise the matching error.

    The content type is ignored on purpose: WeChat labels its JSON ``text/plain``.
    A non-2xx status means WeChat (or a gateway in front of it) is not answering normally,
    which is an outage, not a verdict on the code.
    """
    if not 200 <= status < 300:
        raise WeChatUnavailable()
    data = _json_object(body)
    errcode = data.get("errcode", 0)
    if not isinstance(errcode, int) or isinstance(errcode, bool):
        raise WeChatError()
    if errcode != 0:
        errmsg = data.get("errmsg")
        raise error_for(errcode, errmsg if isinstance(errmsg, str) else "")
    openid = data.get("openid")
    session_key = data.get("session_key")
    unionid = data.get("unionid")
    if not _non_empty_str(openid) or not _non_empty_str(session_key):
        raise WeChatError()
    if unionid is not None and not isinstance(unionid, str):
        raise WeChatError()
    return Code2Session(openid=openid, session_key=session_key, unionid=unionid or None)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WeChatError() from None
    if not isinstance(data, dict):
        raise WeChatError()
    return data


def _non_empty_str(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value)
