"""The registry offers exactly the platforms and apps the settings configure (all platforms,
one dev app each, in dev mode), and settings refuse half a credential pair."""

from __future__ import annotations

import httpx
import pytest

from wxsession.core.errors import ConfigurationError
from wxsession.platforms import OTHERS, PLATFORMS
from wxsession.platforms.registry import DEV_CREDENTIALS, build_providers, build_web_logins
from wxsession.platforms.spec import PlatformSpec
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
    settings = Settings(**BASE, baidu_app_key="bdkey", baidu_app_secret="b")
    assert names(settings) == {"wechat": BASE["appid"], "baidu": "bdkey"}
    settings = Settings(**BASE, kuaishou_appid="ks1", kuaishou_secret="k")
    assert names(settings) == {"wechat": BASE["appid"], "kuaishou": "ks1"}


def test_dev_mode_offers_every_platform_with_the_dev_apps() -> None:
    offered = names(Settings(), emulator_url="http://emulator.invalid")
    assert offered.keys() == {spec.name for spec in PLATFORMS}
    assert all(offered[name] == appid for name, (appid, _) in DEV_CREDENTIALS.items())


def test_browser_logins_are_built_from_their_specs() -> None:
    """Dev mode: both, their pages on the service's own host (a relative authorize base)
    with the dev apps; production: only the configured one, on WeChat's open host."""
    dev = build_web_logins(Settings(), dev=True)
    assert dev.keys() == {"wechat_oa", "wechat_web"}
    oa_url = dev["wechat_oa"].pick(None)[1].authorize_url("https://svc.example/cb", "st")
    assert oa_url.startswith("/wechat_oa/connect/oauth2/authorize?appid=wxdevoa")
    assert "scope=snsapi_userinfo" in oa_url and oa_url.endswith("&state=st#wechat_redirect")
    web_url = dev["wechat_web"].pick(None)[1].authorize_url("https://svc.example/cb", "st")
    assert web_url.startswith("/wechat_web/connect/qrconnect?") and "scope=snsapi_login" in web_url
    real = build_web_logins(
        load_settings(
            **BASE,
            carriers="header,cookie",
            public_url="https://login.example.com",
            wechat_oa_appid="wxoa",
            wechat_oa_secret="s",
        ),
        dev=False,
    )
    assert real.keys() == {"wechat_oa"}
    url = real["wechat_oa"].pick(None)[1].authorize_url("https://login.example.com/cb", "st")
    assert url.startswith("https://open.weixin.qq.com/connect/oauth2/authorize?appid=wxoa&")
    assert "redirect_uri=https%3A%2F%2Flogin.example.com%2Fcb" in url
    assert "scope=snsapi_base" in url


@pytest.mark.parametrize(
    ("extra", "lacks"),
    [
        ({"carriers": "header,cookie"}, "needs WXSESSION_PUBLIC_URL$"),
        ({"public_url": "https://login.example.com"}, "needs cookie in WXSESSION_CARRIERS$"),
        ({}, "needs cookie in WXSESSION_CARRIERS and WXSESSION_PUBLIC_URL$"),
    ],
)
def test_a_browser_login_needs_the_cookie_and_a_public_url(
    extra: dict[str, str], lacks: str
) -> None:
    with pytest.raises(ConfigurationError, match="WXSESSION_WECHAT_WEB_APPID .*" + lacks):
        load_settings(**BASE, wechat_web_appid="wxweb", wechat_web_secret="s", **extra)
    settings = load_settings(
        **BASE,
        wechat_web_appid="wxweb",
        wechat_web_secret="s",
        carriers="header,cookie",
        public_url="https://login.example.com/",
    )
    assert settings.public_url == "https://login.example.com"  # an origin, as browsers send it


def test_an_unknown_official_account_scope_stops_start_up() -> None:
    settings = load_settings(
        **BASE,
        carriers="header,cookie",
        public_url="https://login.example.com",
        wechat_oa_appid="wxoa",
        wechat_oa_secret="s",
        wechat_oa_scope="snsapi_login",
    )
    with pytest.raises(ConfigurationError, match="WXSESSION_WECHAT_OA_SCOPE"):
        build_web_logins(settings, dev=False)


@pytest.mark.parametrize("spec", OTHERS, ids=lambda spec: spec.name)
@pytest.mark.parametrize("half", ["appid", "secret"])
def test_half_a_credential_pair_stops_start_up(spec: PlatformSpec, half: str) -> None:
    fields = spec.settings
    with pytest.raises(ConfigurationError) as caught:
        load_settings(**BASE, **{getattr(fields, half): "x"})
    assert fields.env(fields.appid) in str(caught.value)
    assert fields.env(fields.secret) in str(caught.value)


@pytest.mark.parametrize("field", [spec.settings.api_base for spec in OTHERS])
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
