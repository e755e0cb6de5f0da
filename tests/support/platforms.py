"""Plugin (tests/conftest.py): the default ``served`` emulator, knowing an app of every platform
(unionids on), and providers built by the registry from settings that point at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.support.alipay import ALIPAY, ALIPAY_PUBLIC_KEY, APP_PUBLIC_KEY
from tests.support.emulator import running_emulator
from wxsession.emulator import Emulator
from wxsession.platforms.alipay import DEV_PREFIX as ALIPAY_PREFIX
from wxsession.platforms.baidu import DEV_PREFIX as BAIDU_PREFIX
from wxsession.platforms.douyin import DEV_PREFIX as DOUYIN_PREFIX
from wxsession.platforms.kuaishou import DEV_PREFIX as KUAISHOU_PREFIX
from wxsession.platforms.provider import Provider
from wxsession.platforms.qq import DEV_PREFIX as QQ_PREFIX
from wxsession.platforms.registry import build_providers
from wxsession.platforms.wechat.client import WeChatClient, make_http_client
from wxsession.platforms.wechat.provider import WeChatMiniProgramProvider
from wxsession.settings import Settings

TIMEOUT = 1.0
MINI = ("wx5e1f0c3a9b7d2e46", "contract-mini-secret-0123456789ab")
APP = ("wxa9b8c7d6e5f4a3b2", "contract-app-secret-0123456789abcd")
QQ = ("1109876543", "contract-qq-secret-0123456789abcd")
DOUYIN = ("tt1a2b3c4d5e6f7a8b", "contract-douyin-secret-0123456789")
BAIDU = ("Kp3Xb7Qz9Lm2Wv5Rt8Yc1Nd4Hf6Gj0Sa", "contract-baidu-secret-0123456789ab")
KUAISHOU = ("ks715790869885440001", "contract-kuaishou-secret-0123456")


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Emulator]]:
    """The module's emulator: (URL, emulator). A module that needs other apps defines its own."""
    apps = {
        "wechat_app": dict([APP]),
        "qq": dict([QQ]),
        "douyin": dict([DOUYIN]),
        "alipay": {ALIPAY[0]: APP_PUBLIC_KEY},  # the emulator checks calls with it
        "baidu": dict([BAIDU]),
        "kuaishou": dict([KUAISHOU]),
    }
    with running_emulator(dict([MINI]), unionid=True, platform_apps=apps) as pair:
        yield pair


def settings_for(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "appid": MINI[0],
        "secret": MINI[1],
        "wechat_api_base": url,
        "wechat_timeout": TIMEOUT,
        "wechat_app_appid": APP[0],
        "wechat_app_secret": APP[1],
        "wechat_app_api_base": url,
        "qq_appid": QQ[0],
        "qq_secret": QQ[1],
        "qq_api_base": url + QQ_PREFIX,
        "douyin_appid": DOUYIN[0],
        "douyin_secret": DOUYIN[1],
        "douyin_api_base": url + DOUYIN_PREFIX,
        "alipay_appid": ALIPAY[0],
        "alipay_private_key": ALIPAY[1],
        "alipay_public_key": ALIPAY_PUBLIC_KEY,
        "alipay_api_base": url + ALIPAY_PREFIX,
        "baidu_app_key": BAIDU[0],
        "baidu_app_secret": BAIDU[1],
        "baidu_api_base": url + BAIDU_PREFIX,
        "kuaishou_appid": KUAISHOU[0],
        "kuaishou_secret": KUAISHOU[1],
        "kuaishou_api_base": url + KUAISHOU_PREFIX,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
async def platform_http() -> AsyncIterator[httpx.AsyncClient]:
    """The pooled client the service's platform calls use."""
    async with make_http_client(TIMEOUT) as client:
        yield client


def providers_for(settings: Settings, http: httpx.AsyncClient) -> dict[str, Provider]:
    """Each configured platform's provider (each has one app here)."""
    (mini,) = settings.own_apps()
    wechat = WeChatClient(http, mini.appid, mini.secret, mini.base_url)
    mini_programs = {mini.appid: WeChatMiniProgramProvider(wechat, mini.appid)}
    platforms = build_providers(settings, http, mini_programs)
    return {name: apps.pick(None)[1] for name, apps in platforms.items()}


@pytest.fixture
def providers(
    served: tuple[str, Emulator], platform_http: httpx.AsyncClient
) -> dict[str, Provider]:
    return providers_for(settings_for(served[0]), platform_http)
