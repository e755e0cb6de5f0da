"""Tencent Cloud SMS as the emulator plays it: ``SendSms`` 2021-01-11 at ``POST /`` of
``sms.tencentcloudapi.com``, served under :data:`~wxsession.messaging.sms_tencent.DEV_PREFIX`.

Each call's TC3-HMAC-SHA256 signature is checked against the key pairs the emulator knows
(the public dev pair), computed here from Tencent's documentation rather than through our
client's wire code, so the emulator stays an independent oracle. Refusals answer HTTP 200
with ``Response.Error`` as Tencent does (``AuthFailure.SignatureFailure`` for a bad
signature); a message accepted for a number lands in the outbox, its parameters as the text.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wxsession.emulator.core import EmulatorCore
from wxsession.emulator.routing import MAX_CONTROL_BODY, answer
from wxsession.messaging.sms_emulated import Inbox, message_text
from wxsession.messaging.sms_tencent import (
    DEV_PREFIX,
    DEV_SDK_APP_ID,
    DEV_SECRET_ID,
    DEV_SECRET_KEY,
)

PREFIX = DEV_PREFIX
PATH = f"{PREFIX}/"
TIMESTAMP_WINDOW = 300
"""Tencent refuses a timestamp more than five minutes off (``AuthFailure.SignatureExpire``)."""
DEV_KEYS: Mapping[str, str] = {DEV_SECRET_ID: DEV_SECRET_KEY}
DEV_APPS = frozenset({DEV_SDK_APP_ID})

_AUTHORIZATION = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<id>[^/\s]+)/(?P<date>\d{4}-\d{2}-\d{2})/sms/tc3_request,"
    r" SignedHeaders=content-type;host, Signature=(?P<signature>[0-9a-f]{64})"
)
_E164 = re.compile(r"\+[1-9]\d{6,14}")


def error(code: object, message: str = "") -> dict[str, Any]:
    """Tencent's refusal of a whole call."""
    text = message or f"{code}"
    return {"Response": {"Error": {"Code": str(code), "Message": text}, "RequestId": _rid()}}


def _rid() -> str:
    return f"{secrets.token_hex(4)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}"


def expected_signature(
    secret_key: str, timestamp: int, host: str, content_type: str, body: bytes
) -> str:
    """The hex signature a ``POST /`` with these headers and body must carry."""
    date = time.strftime("%Y-%m-%d", time.gmtime(timestamp))
    canonical = (
        f"POST\n/\n\ncontent-type:{content_type.strip().lower()}\nhost:{host.strip().lower()}\n"
        f"\ncontent-type;host\n{hashlib.sha256(body).hexdigest()}"
    )
    scope = f"{date}/sms/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n"
    to_sign += hashlib.sha256(canonical.encode()).hexdigest()
    key = functools.reduce(
        lambda key, part: hmac.new(key, part.encode(), hashlib.sha256).digest(),
        (date, "sms", "tc3_request"),
        f"TC3{secret_key}".encode(),
    )
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def refusal(
    emulator: EmulatorCore, headers: Mapping[str, str], body: bytes, keys: Mapping[str, str]
) -> dict[str, Any] | None:
    """Tencent's answer to a call it refuses before reading the body, else ``None``."""
    if headers.get("x-tc-action") != "SendSms":
        return error("InvalidAction", "The action does not exist.")
    if headers.get("x-tc-version") != "2021-01-11":
        return error("NoSuchVersion", "The API version does not exist.")
    found = _AUTHORIZATION.fullmatch(headers.get("authorization", ""))
    if found is None:
        return error("AuthFailure.InvalidAuthorization", "Authorization is not TC3-HMAC-SHA256.")
    secret_key = keys.get(found["id"])
    if secret_key is None:
        return error("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
    stamp = headers.get("x-tc-timestamp", "")
    if not stamp.isdigit() or abs(int(stamp) - emulator.clock()) > TIMESTAMP_WINDOW:
        return error("AuthFailure.SignatureExpire", "The signature expired.")
    host, content_type = headers.get("host", ""), headers.get("content-type", "")
    wanted = expected_signature(secret_key, int(stamp), host, content_type, body)
    if not hmac.compare_digest(wanted, found["signature"]):
        return error(
            "AuthFailure.SignatureFailure", "The provided credentials could not be validated."
        )
    return None


def send_sms(data: Mapping[str, Any], inbox: Inbox, apps: frozenset[str]) -> dict[str, Any]:
    """``SendSms`` for a call whose signature held: each number gets its own status."""
    numbers, params = data.get("PhoneNumberSet"), data.get("TemplateParamSet", [])
    if not isinstance(numbers, list) or not numbers or not isinstance(params, list):
        return error("InvalidParameter", "PhoneNumberSet and TemplateParamSet must be lists.")
    if data.get("SmsSdkAppId") not in apps:
        return error("UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId verify fail.")
    sign, template = data.get("SignName"), data.get("TemplateId")
    if not isinstance(sign, str) or not sign:
        return error("FailedOperation.SignatureIncorrectOrUnapproved", "Sign name not approved.")
    if not isinstance(template, str) or not template:
        return error("FailedOperation.TemplateIncorrectOrUnapproved", "Template not approved.")
    statuses = []
    for number in numbers:
        status = {"SerialNo": secrets.token_hex(8), "PhoneNumber": number, "Fee": 1}
        if isinstance(number, str) and _E164.fullmatch(number):
            text = message_text(sign, [str(param) for param in params], template)
            inbox.deliver(number, "sms", text, via="tencent")
            status |= {"Code": "Ok", "Message": "send success"}
        else:
            status |= {"Code": "InvalidParameterValue.IncorrectPhoneNumber", "Message": "bad"}
        statuses.append(status)
    return {"Response": {"SendStatusSet": statuses, "RequestId": _rid()}}


def routes(
    emulator: EmulatorCore,
    inbox: Inbox,
    keys: Mapping[str, str] = DEV_KEYS,
    apps: frozenset[str] = DEV_APPS,
) -> list[Route]:
    """``POST /`` of Tencent's SMS host, under :data:`PREFIX`."""

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        headers = {name.lower(): value for name, value in request.headers.items()}

        def produce() -> dict[str, Any]:
            refused = refusal(emulator, headers, body, keys)
            if refused is not None:
                return refused
            try:
                data = json.loads(body) if len(body) <= MAX_CONTROL_BODY else None
            except ValueError:
                data = None
            if not isinstance(data, dict):
                return error("InvalidParameter", "The body is not a JSON object.")
            return send_sms(data, inbox, apps)

        return await answer(
            emulator, request, produce, error, errcode_field="Code", media_type="application/json"
        )

    return [Route(PATH, endpoint, methods=["POST"])]
