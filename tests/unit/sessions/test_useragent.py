"""The device label a session keeps instead of the User-Agent header."""

from __future__ import annotations

import pytest
from bench.redis_memory import WECHAT_UA

from tests.unit.sessions.test_packed import ANDROID_WECHAT_UA
from wxsession.sessions import useragent


@pytest.mark.parametrize(
    ("header", "label"),
    [
        (WECHAT_UA, "iPhone WeChat 8.0"),
        (ANDROID_WECHAT_UA, "Android WeChat 8.0"),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003129) NetType/WIFI",
            "iPad WeChat 8.0",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/81.0.4044.138 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143"
            "B) WindowsWechat(0x6309092b) XWEB/9129",
            "Windows WeChat 7.0",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
            "Windows Edge 120",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.5 Safari/605.1.15",
            "Mac Safari 17",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0",
            "Linux Firefox 126",
        ),
        ("curl/8.5.0", "curl/8.5.0"),
        ("python-httpx/0.27.0 and more", "python-httpx/0.27."),
        ("微信小程序客户端/1.0", "微信小程序客"),  # cut at 18 bytes, never inside a character
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_label(header: str | None, label: str | None) -> None:
    assert useragent.label(header) == label
    if label is not None:
        assert len(label.encode()) <= useragent.MAX_LABEL
