"""The phone sender the settings configure: Tencent Cloud or Alibaba Cloud SMS over the
runtime's pooled HTTP client, or none (``WXSESSION_SMS_VENDOR`` unset)."""

from __future__ import annotations

import httpx

from wxsession.core.clock import Clock
from wxsession.messaging.sms_aliyun import wire as aliyun
from wxsession.messaging.sms_aliyun.sender import aliyun_sender
from wxsession.messaging.sms_sender import SmsSender
from wxsession.messaging.sms_tencent import wire as tencent
from wxsession.messaging.sms_tencent.sender import tencent_sender
from wxsession.settings import Settings

TEMPLATES = ("code", "password_reset")


def configured_sms(settings: Settings, http: httpx.AsyncClient, clock: Clock) -> SmsSender | None:
    """The sender of ``settings.sms_vendor`` (its settings were checked complete at load)."""
    templates = {name: id_ for name in TEMPLATES if (id_ := settings.sms_template(name))}
    sign_name, params = settings.sms_sign_name or "", settings.sms_template_params
    if settings.sms_vendor == "tencent":
        key = settings.sms_tencent_secret_key
        return tencent_sender(
            http,
            api_base=settings.sms_tencent_api_base,
            credentials=tencent.Credentials(
                settings.sms_tencent_secret_id or "", key.get_secret_value() if key else ""
            ),
            sdk_app_id=settings.sms_tencent_sdk_app_id or "",
            sign_name=sign_name,
            region=settings.sms_tencent_region,
            templates=templates,
            params=params,
            timeout=settings.sms_timeout,
            clock=clock,
        )
    if settings.sms_vendor == "aliyun":
        secret = settings.sms_aliyun_access_key_secret
        return aliyun_sender(
            http,
            api_base=settings.sms_aliyun_api_base,
            credentials=aliyun.Credentials(
                settings.sms_aliyun_access_key_id or "",
                secret.get_secret_value() if secret else "",
            ),
            sign_name=sign_name,
            region=settings.sms_aliyun_region,
            templates=templates,
            params=params,
            timeout=settings.sms_timeout,
            clock=clock,
        )
    return None
