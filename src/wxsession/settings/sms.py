"""SMS vendor settings (issue 23): one mixin of :class:`wxsession.settings.Settings`.

Which vendor sends text messages (Tencent Cloud or Alibaba Cloud), its credentials, the
approved sign name and a template id per message template. The environment names are
``WXSESSION_`` + the field name; docs/configuration.md#sms-vendors explains each.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from wxsession.settings.urls import secure_api_base

SmsVendor = Literal["tencent", "aliyun"]

TENCENT_API_BASE = "https://sms.tencentcloudapi.com"
ALIYUN_API_BASE = "https://dysmsapi.aliyuncs.com"


def _default_params() -> list[str]:
    return ["code", "minutes"]


class SmsSettings(BaseModel):
    """Text messages (verification codes, notices) through one SMS vendor."""

    # The vendor (unset: no SMS outside dev mode; dev mode: the emulator's Tencent API, or
    # its Alibaba one with sms_vendor=aliyun, always with the emulator's dev credentials).
    sms_vendor: SmsVendor | None = None
    # The approved sign name (签名) and a template id per message: the code template's
    # parameters are sms_template_params, in that order (Tencent's {1}, {2}...; Alibaba's
    # ${code}, ${minutes}); the password-reset notice takes none.
    sms_sign_name: str | None = None
    sms_template_code: str | None = None
    sms_template_password_reset: str | None = None
    sms_template_params: Annotated[list[str], NoDecode] = Field(default_factory=_default_params)
    # Seconds a send may take (connect and answer) before it is a 503.
    sms_timeout: float = Field(default=5.0, gt=0, le=60)
    # Tencent Cloud SMS: the API key pair, the SMS application (SdkAppId), the region.
    sms_tencent_secret_id: str | None = None
    sms_tencent_secret_key: SecretStr | None = None
    sms_tencent_sdk_app_id: str | None = None
    sms_tencent_region: str = "ap-guangzhou"
    sms_tencent_api_base: str = TENCENT_API_BASE
    # Alibaba Cloud SMS (Dysmsapi): the AccessKey pair and the region.
    sms_aliyun_access_key_id: str | None = None
    sms_aliyun_access_key_secret: SecretStr | None = None
    sms_aliyun_region: str = "cn-hangzhou"
    sms_aliyun_api_base: str = ALIYUN_API_BASE

    @field_validator("sms_template_params", mode="before")
    @classmethod
    def _names(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("sms_tencent_api_base", "sms_aliyun_api_base")
    @classmethod
    def _https(cls, value: str) -> str:
        if not secure_api_base(value):
            raise ValueError("must be https:// (or http:// to a loopback emulator)")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _complete(self) -> SmsSettings:
        """A chosen vendor has what every send needs; nothing is checked when none is."""
        if self.sms_vendor is None:
            return self
        needed = ["sms_sign_name", "sms_template_code"]
        if self.sms_vendor == "tencent":
            needed += ["sms_tencent_secret_id", "sms_tencent_secret_key", "sms_tencent_sdk_app_id"]
        else:
            needed += ["sms_aliyun_access_key_id", "sms_aliyun_access_key_secret"]
        missing = [f"WXSESSION_{name.upper()}" for name in needed if not getattr(self, name)]
        if missing:
            vendor = f"WXSESSION_SMS_VENDOR={self.sms_vendor}"
            raise ValueError(f"{vendor} needs {', '.join(missing)}")
        return self

    def sms_template(self, template: str) -> str | None:
        """The vendor's id of one of our templates (``code``, ``password_reset``)."""
        value = getattr(self, f"sms_template_{template}", None)
        return value if isinstance(value, str) and value else None
