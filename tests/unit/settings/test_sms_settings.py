"""The SMS settings: a chosen vendor needs its credentials, sign name and code template
(start-up names what is missing, never a secret); API bases are https or loopback; template
parameters read as a comma-separated list; secrets stay out of repr."""

from __future__ import annotations

import pytest

from wxsession.core.errors import ConfigurationError
from wxsession.settings import load_settings

TENCENT = {
    "sms_vendor": "tencent",
    "sms_sign_name": "测试",
    "sms_template_code": "1110",
    "sms_tencent_secret_id": "AKIDexample",
    "sms_tencent_secret_key": "tencent-secret-key",
    "sms_tencent_sdk_app_id": "1400000001",
}
ALIYUN = {
    "sms_vendor": "aliyun",
    "sms_sign_name": "测试",
    "sms_template_code": "SMS_1",
    "sms_aliyun_access_key_id": "LTAIexample",
    "sms_aliyun_access_key_secret": "aliyun-secret",
}


def test_unset_vendor_needs_nothing() -> None:
    settings = load_settings()
    assert settings.sms_vendor is None
    assert settings.sms_template_params == ["code", "minutes"]


@pytest.mark.parametrize("complete", [TENCENT, ALIYUN], ids=["tencent", "aliyun"])
def test_a_complete_vendor_loads_and_hides_its_secret(complete: dict[str, str]) -> None:
    settings = load_settings(**complete)
    assert settings.sms_template("code") == complete["sms_template_code"]
    assert settings.sms_template("password_reset") is None
    shown = repr(settings)
    assert "tencent-secret-key" not in shown
    assert "aliyun-secret" not in shown


@pytest.mark.parametrize(
    ("complete", "dropped", "named"),
    [
        (TENCENT, "sms_tencent_secret_key", "WXSESSION_SMS_TENCENT_SECRET_KEY"),
        (TENCENT, "sms_tencent_sdk_app_id", "WXSESSION_SMS_TENCENT_SDK_APP_ID"),
        (ALIYUN, "sms_aliyun_access_key_id", "WXSESSION_SMS_ALIYUN_ACCESS_KEY_ID"),
        (ALIYUN, "sms_template_code", "WXSESSION_SMS_TEMPLATE_CODE"),
    ],
)
def test_a_vendor_without_what_it_needs_stops_start_up(
    complete: dict[str, str], dropped: str, named: str
) -> None:
    options = {k: v for k, v in complete.items() if k != dropped}
    with pytest.raises(ConfigurationError) as raised:
        load_settings(**options)
    assert named in str(raised.value)
    assert "secret-key" not in str(raised.value) and "aliyun-secret" not in str(raised.value)


@pytest.mark.parametrize(
    ("base", "ok"),
    [
        ("https://sms.tencentcloudapi.com", True),
        ("http://127.0.0.1:8081/tencent-sms", True),
        ("http://sms.example.com", False),
        ("ftp://sms.example.com", False),
    ],
)
def test_api_bases_are_https_or_loopback(base: str, ok: bool) -> None:
    if ok:
        assert load_settings(sms_tencent_api_base=base + "/").sms_tencent_api_base == base
    else:
        with pytest.raises(ConfigurationError, match="WXSESSION_SMS_TENCENT_API_BASE"):
            load_settings(sms_tencent_api_base=base)


def test_template_params_read_as_a_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WXSESSION_SMS_TEMPLATE_PARAMS", " code , ")
    assert load_settings().sms_template_params == ["code"]
