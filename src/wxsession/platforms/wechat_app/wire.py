"""WeChat mobile App login (Open Platform OAuth) on the wire: WeChat's sns OAuth
(:mod:`wxsession.platforms.wechat_sns.wire`) with the App's texts.

The App's openid is not the mini program's; the unionid is shared by the apps of one Open
Platform account.
"""

from __future__ import annotations

from wxsession.platforms.wechat_sns import wire as sns
from wxsession.platforms.wechat_sns.wire import (
    SnsGrant,
    SnsProfile,
    access_token_request,
    userinfo_request,
)

__all__ = [
    "ERRORS",
    "access_token_request",
    "parse_access_token",
    "parse_userinfo",
    "userinfo_request",
]

ERRORS = sns.sns_errors(
    "WeChat App",
    "WXSESSION_WECHAT_APP_APPID and WXSESSION_WECHAT_APP_SECRET (or WXSESSION_WECHAT_APP_APPS)",
    "the WeChat SDK's SendAuth",
)


def parse_access_token(status: int, body: bytes) -> SnsGrant:
    """The grant, or the mapped error. A non-2xx status is an outage."""
    return sns.parse_access_token(status, body, ERRORS)


def parse_userinfo(status: int, body: bytes, openid: str) -> SnsProfile:
    """The profile in a userinfo answer about ``openid``, or the mapped error."""
    return sns.parse_userinfo(status, body, openid, ERRORS)
