"""A browser login of a platform with several apps names its app at the start
(``GET /v1/auth/{provider}/authorize?appid=``); the sealed state cookie carries it to the
callback, so the code is exchanged by the app that started the flow."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import pytest

from wxsession.core.platform_errors import AppIdRequired, UnknownApp
from wxsession.data_keys import DataKeys
from wxsession.db import create_engine
from wxsession.platforms.registry import build_web_logins
from wxsession.services.web_login import WebLogins
from wxsession.settings import load_settings
from wxsession.throttle.sql import SqlWindowStorage

CALLBACK = "https://login.example.com/v1/auth/wechat_oa/callback"


def test_the_app_is_named_at_the_start_and_sealed_into_the_state() -> None:
    settings = load_settings(
        appid="wx0000000000000001",
        secret="s",
        carriers="header,cookie",
        public_url="https://login.example.com",
        wechat_oa_apps="wxoa1:s1,wxoa2:s2",
    )
    web = WebLogins(
        build_web_logins(settings, dev=False),
        cast(Any, None),  # the login service: not reached before the callback
        DataKeys.from_setting(settings.data_keys),
        SqlWindowStorage(create_engine("sqlite+aiosqlite://")),
        lifetime=600,
        clock=lambda: 1000.0,
    )
    with pytest.raises(AppIdRequired):
        web.start("wechat_oa", "/", CALLBACK)
    with pytest.raises(UnknownApp):
        web.start("wechat_oa", "/", CALLBACK, "wx-not-ours")
    for appid in ("wxoa1", "wxoa2"):
        started = web.start("wechat_oa", "/", CALLBACK, appid)
        query = parse_qs(urlsplit(started.url).query)
        assert query["appid"] == [appid]
        assert web._check("wechat_oa", query["state"][0], started.cookie)[2] == appid
