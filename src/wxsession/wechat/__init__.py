"""WeChat's server API for mini programs: wire protocol, errcodes, and the async client.

The local emulator lives in :mod:`wxsession.wechat.emulator` and is imported only where it is
used, so production code paths never load it.
"""

from wxsession.wechat.client import WeChatClient, make_http_client
from wxsession.wechat.codes import WeChatErrcode, error_for
from wxsession.wechat.protocol import Code2Session

__all__ = ["Code2Session", "WeChatClient", "WeChatErrcode", "error_for", "make_http_client"]
