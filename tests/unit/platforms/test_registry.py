"""The registry offers exactly the platforms and apps the settings configure (all platforms,
one dev app each, in dev mode), and settings refuse half a credential pair."""

from __future__ import annotations

import httpx
import pytest

from wxsession.core.errors import ConfigurationError
from wxsession.platforms.registry import DEV_CREDENTIALS, build_providers
from wxsession.platforms.wechat.client import WeChatClient
from wxsession.platforms.wechat.provider import WeChatMiniProgramProvider
from wxsession.settings import Settings, load_settings

BASE = {"appid": "wx0000000000000001", "secret": "s"}


def apps(settings: Settings, emulator_url: str | None = None) -> dict[str, list[str]]:
    """Platform → the appids offered, in order; each app's provider is built for it."""
    http = httpx.AsyncClient()
    own = {}
    for app in settings.own_apps():
        own[app.appid] = WeChatMiniProgramProvider(
            WeChatClient(http, app.appid, app.secret), app.appid
        )
    platforms = build_providers(settings, http, own, emulator_url=emulator_url)
    for platform in platforms.values():
        for appid, provider in platform.apps.items():
            assert provider.app_id == appid  # type: ignore[attr-defined]
    return {name: list(platform.apps) for name, platform in platforms.items()}


def names(settings: Settings, emulator_url: str | None = None) -> dict[str, str]:
    return {name: appids[0] for name, appids in apps(settings, emulator_url).items()}


def test_only_the_mini_program_by_default() -> None:
    assert names(Settings(**BASE)) == {"wechat": BASE["appid"]}


def test_each_configured_platform_is_offered() -> None:
    settings = Settings(
        **BASE, qq_appid="1101", qq_secret="q", douyin_appid="tt1", douyin_secret="d"
    )
    assert names(settings) == {"wechat": BASE["appid"], "qq": "1101", "douyin": "tt1"}
    settings = Settings(**BASE, wechat_app_appid="wxapp", wechat_app_secret="a")
    assert names(settings) == {"wechat": BASE["appid"], "wechat_app": "wxapp"}


def test_dev_mode_offers_every_platform_with_the_dev_apps() -> None:
    offered = names(Settings(), emulator_url="http://emulator.invalid")
    assert offered.keys() == {"wechat", "wechat_app", "qq", "douyin"}
    assert all(offered[name] == appid for name, (appid, _) in DEV_CREDENTIALS.items())


@pytest.mark.parametrize("platform", ["wechat_app", "qq", "douyin"])
@pytest.mark.parametrize("half", ["appid", "secret"])
def test_half_a_credential_pair_stops_start_up(platform: str, half: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(**BASE, **{f"{platform}_{half}": "x"})
    name = f"WXSESSION_{platform.upper()}"
    assert f"{name}_APPID" in str(caught.value)
    assert f"{name}_SECRET" in str(caught.value)


@pytest.mark.parametrize("field", ["wechat_app_api_base", "qq_api_base", "douyin_api_base"])
def test_api_bases_must_be_http_urls(field: str) -> None:
    with pytest.raises(ConfigurationError, match=f"WXSESSION_{field.upper()}"):
        load_settings(**{field: "ftp://api.q.qq.com"})
    assert getattr(load_settings(**{field: "http://127.0.0.1:8081/"}), field) == (
        "http://127.0.0.1:8081"
    )


def test_platform_secrets_stay_out_of_repr() -> None:
    settings = Settings(**BASE, qq_appid="1101", qq_secret="very-secret-qq")
    assert "very-secret-qq" not in repr(settings)


def test_every_listed_app_of_every_platform_is_offered_in_order() -> None:
    settings = Settings(
        wechat_apps="wxb:sb, wxa:sa",
        qq_apps='[{"appid": "1102", "secret": "q2"}, {"appid": "1101", "secret": "q1"}]',
        douyin_appid="tt1",
        douyin_secret="d",
    )
    assert apps(settings) == {"wechat": ["wxb", "wxa"], "qq": ["1102", "1101"], "douyin": ["tt1"]}


def test_the_one_app_pair_and_the_list_may_name_the_same_app() -> None:
    settings = Settings(**BASE, wechat_apps=f"{BASE['appid']}:{BASE['secret']},wx2:s2")
    assert apps(settings)["wechat"] == [BASE["appid"], "wx2"]
