"""``WXSESSION_<PLATFORM>_APPS``: both spellings read to the same apps, per-app options
override the platform's, and every malformed list stops start-up with one line that never
repeats a secret or an option's value."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.cli import TEST_DATA_KEYS, run_cli
from wxsession.core.errors import ConfigurationError
from wxsession.platforms import wechat_app
from wxsession.platforms.apps import parse_apps
from wxsession.settings import load_settings

SECRET = "s3cret-never-shown"


def pairs(text: str) -> list[tuple[str, str, dict[str, object]]]:
    return [
        (app.appid, app.secret.get_secret_value(), dict(app.options))
        for app in parse_apps(text, wechat_app.SPEC.settings.options)
    ]


def test_both_spellings_read_the_same_apps() -> None:
    listed = " wxa:sa , wxb:with:colon ,"
    as_json = '[{"appid": "wxa", "secret": "sa"}, {"appid": "wxb", "secret": "with:colon"}]'
    expected = [("wxa", "sa", {}), ("wxb", "with:colon", {})]
    assert pairs(listed) == pairs(as_json) == expected
    assert pairs("  ") == []


def test_json_entries_carry_options_of_the_platform() -> None:
    text = '[{"appid": "a", "secret": "s", "options": {"userinfo": false}}]'
    assert pairs(text) == [("a", "s", {"userinfo": False})]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f"wxa:{SECRET},wxa:other", "appid 'wxa' is listed twice"),
        (f"wxa:{SECRET},nosecret", "entry 2 is not appid:secret"),
        (f"wxa:{SECRET},:{SECRET}", "entry 2: the appid must be"),
        (f"wx a:{SECRET}", "entry 1: the appid must be"),
        (f'[{{"appid": "a", "secret": "{SECRET}"}}', "not valid JSON"),
        (f'{{"appid": "a", "secret": "{SECRET}"}}', "must be a list of objects"),
        (f'[["a", "{SECRET}"]]', "entry 1 is not a JSON object"),
        ('[{"appid": "a"}]', "entry 1 needs a non-empty 'secret' string"),
        (f'[{{"appid": 7, "secret": "{SECRET}"}}]', "entry 1 needs an 'appid' string"),
        (f'[{{"appid": "a", "secret": "{SECRET}", "key": 1}}]', "unknown fields: 'key'"),
        (
            f'[{{"appid": "a", "secret": "s", "options": {{"colour": "{SECRET}"}}}}]',
            "unknown option 'colour' (this platform's: userinfo)",
        ),
        (
            f'[{{"appid": "a", "secret": "s", "options": {{"userinfo": "{SECRET}"}}}}]',
            "option 'userinfo' must be a bool",
        ),
    ],
)
def test_a_malformed_list_is_refused_without_its_secrets(text: str, reason: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(wechat_app_apps=text)
    message = str(caught.value)
    assert "WXSESSION_WECHAT_APP_APPS" in message
    assert reason in message
    assert SECRET not in message
    assert len(message.splitlines()) == 2  # the heading and one line


@pytest.mark.parametrize(
    "single",
    [{"appid": "wxc", "secret": "sc"}, {"appid": "wxa", "secret": SECRET + "-not-the-listed"}],
)
def test_a_pair_beside_a_list_must_be_one_of_its_apps(single: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(wechat_apps=f"wxa:{SECRET},wxb:sb", **single)
    message = str(caught.value)
    assert "WXSESSION_APPID and WXSESSION_WECHAT_APPS are both set and disagree" in message
    assert SECRET not in message
    agreed = load_settings(wechat_apps=f"wxa:{SECRET},wxb:sb", appid="wxa", secret=SECRET)
    assert [app.appid for app in agreed.own_apps()] == ["wxa", "wxb"]


def test_per_app_options_override_the_platforms() -> None:
    settings = load_settings(
        wechat_app_userinfo=True,
        wechat_app_apps='[{"appid": "a", "secret": "s", "options": {"userinfo": false}},'
        ' {"appid": "b", "secret": "s"}]',
    )
    apps = settings.platform_apps(wechat_app.SPEC)
    assert [(app.appid, app.options["userinfo"]) for app in apps] == [("a", False), ("b", True)]


def test_a_list_is_production_like_and_needs_data_keys() -> None:
    listed = load_settings(qq_apps="1101:q", data_keys=None)
    assert not listed.dev_mode
    assert "WXSESSION_QQ_APPS" in (listed.service_problem() or "")
    with pytest.raises(ConfigurationError, match="WXSESSION_DATA_KEYS is required"):
        load_settings(wechat_apps="wxa:s", data_keys=None)
    with pytest.raises(ConfigurationError, match="WXSESSION_WECHAT_APPS"):
        load_settings(wechat_apps="wxa:s", dev_mode=True)


def test_config_check_masks_a_list_and_never_echoes_a_bad_one(tmp_path: Path) -> None:
    keys = {"WXSESSION_DATA_KEYS": TEST_DATA_KEYS}
    shown = run_cli("config", "check", cwd=tmp_path, WXSESSION_WECHAT_APPS=f"wxa:{SECRET}", **keys)
    assert shown.returncode == 0, shown.stdout
    assert "wxa:********" in shown.stdout
    refused: subprocess.CompletedProcess[str] = run_cli(
        "config", "check", cwd=tmp_path, WXSESSION_WECHAT_APPS=f"wxa:{SECRET},wxa:{SECRET}", **keys
    )
    assert refused.returncode == 2
    assert "WXSESSION_WECHAT_APPS=********: appid 'wxa' is listed twice" in refused.stdout
    assert SECRET not in refused.stdout + refused.stderr
