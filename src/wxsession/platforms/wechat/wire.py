"""jscode2session on the wire: build the request, parse the answer. No I/O, no framework.

Kept apart from the HTTP client so every quirk of WeChat's answers (JSON labelled
``text/plain``, ``errcode: 0`` next to data, HTML error pages from a gateway) is tested
with plain bytes.
"""

from __future__ import annotations

from wxsession.core.platform_errors import WeChatError, WeChatUnavailable
from wxsession.platforms.wechat import errcodes
from wxsession.platforms.wire import PlatformRequest, PlatformSession, errcode_answer, session_of

CODE2SESSION_PATH = "/sns/jscode2session"


Code2Session = PlatformSession
"""What jscode2session says about a login: the same shape every code platform answers in."""


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
    data = errcode_answer(status, body, errcodes.ERRORS, WeChatUnavailable, WeChatError)
    return session_of(data, WeChatError)
