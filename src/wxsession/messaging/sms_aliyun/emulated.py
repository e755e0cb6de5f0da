"""Alibaba Cloud SMS as the emulator plays it: Dysmsapi ``SendSms`` (2017-05-25, RPC style)
at ``/`` of ``dysmsapi.aliyuncs.com``, served under
:data:`~wxsession.messaging.sms_aliyun.DEV_PREFIX`.

Parameters are read from the query and a form body alike, and the HMAC-SHA1 signature is
checked with the AccessKey pairs the emulator knows (the public dev pair), computed here from
Alibaba's documentation rather than through our client's wire code. Gateway refusals carry
their HTTP status (``SignatureDoesNotMatch`` 400, ``InvalidAccessKeyId.NotFound`` 404);
business refusals (``isv.*``) answer 200. An accepted message lands in the outbox.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from datetime import UTC
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wxsession.emulator.core import EmulatorCore
from wxsession.emulator.routing import answer, call_params, timely
from wxsession.messaging.sms_aliyun import DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET, DEV_PREFIX
from wxsession.messaging.sms_emulated import Inbox, message_text

PREFIX = DEV_PREFIX
PATH = f"{PREFIX}/"
TIMESTAMP_WINDOW = 15 * 60
STAMP_LAYOUT = "%Y-%m-%dT%H:%M:%SZ"  # ISO 8601, UTC
DEV_KEYS: Mapping[str, str] = {DEV_ACCESS_KEY_ID: DEV_ACCESS_KEY_SECRET}

STATUS: Mapping[str, int] = {
    "MissingParameter": 400,
    "InvalidAccessKeyId.NotFound": 404,
    "SignatureDoesNotMatch": 400,
    "InvalidTimeStamp.Expired": 400,
    "InvalidVersion": 400,
    "InvalidAction.NotFound": 404,
    "ServiceUnavailable": 503,
}
"""The gateway's refusals and their HTTP status; every other code answers 200."""


def error(code: object, message: str = "") -> dict[str, Any]:
    return {"Code": str(code), "Message": message or str(code), "RequestId": _rid()}


def _rid() -> str:
    return secrets.token_hex(16).upper()


def _encode(text: str) -> str:
    return quote(text, safe="~")


def expected_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    """Base64 HMAC-SHA1 under ``secret&`` of ``METHOD&%2F&`` + the encoded sorted query."""
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    query = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in pairs)
    text = f"{method}&%2F&{_encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def refusal(
    emulator: EmulatorCore, method: str, params: Mapping[str, str], keys: Mapping[str, str]
) -> dict[str, Any] | None:
    """The gateway's answer to a call it refuses before the SMS service sees it."""
    for name in ("AccessKeyId", "Action", "Signature", "SignatureNonce", "Timestamp", "Version"):
        if not params.get(name):
            return error("MissingParameter", f"{name} is mandatory for this action.")
    if params["Action"] != "SendSms":
        return error("InvalidAction.NotFound", "Specified api is not found.")
    if params["Version"] != "2017-05-25":
        return error("InvalidVersion", "Specified parameter Version is not valid.")
    secret = keys.get(params["AccessKeyId"])
    if secret is None:
        return error("InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    if not timely(emulator, params["Timestamp"], STAMP_LAYOUT, UTC, TIMESTAMP_WINDOW):
        return error("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
    methods = (params.get("SignatureMethod"), params.get("SignatureVersion"))
    wanted = expected_signature(method, params, secret)
    if methods != ("HMAC-SHA1", "1.0") or not hmac.compare_digest(wanted, params["Signature"]):
        return error("SignatureDoesNotMatch", "Specified signature does not match our calculation.")
    return None


def send_sms(params: Mapping[str, str], inbox: Inbox) -> dict[str, Any]:
    """``SendSms`` for a call the gateway let through."""
    number = params.get("PhoneNumbers", "")
    if not (number.isascii() and number.isdigit() and 7 <= len(number) <= 15):
        return error("isv.MOBILE_NUMBER_ILLEGAL", "Illegal phone number.")
    sign, template = params.get("SignName", ""), params.get("TemplateCode", "")
    if not sign:
        return error("isv.SMS_SIGNATURE_ILLEGAL", "Illegal sign name.")
    if not template:
        return error("isv.SMS_TEMPLATE_ILLEGAL", "Illegal template.")
    try:
        variables = json.loads(params.get("TemplateParam") or "{}")
    except ValueError:
        variables = None
    if not isinstance(variables, dict):
        return error("isv.INVALID_JSON_PARAM", "TemplateParam is not a JSON object.")
    phone = number if number.startswith("86") or len(number) > 11 else "86" + number
    text = message_text(sign, [str(value) for value in variables.values()], template)
    inbox.deliver("+" + phone, "sms", text, via="aliyun")
    return {"Code": "OK", "Message": "OK", "BizId": secrets.token_hex(8), "RequestId": _rid()}


def routes(emulator: EmulatorCore, inbox: Inbox, keys: Mapping[str, str] = DEV_KEYS) -> list[Route]:
    """The RPC endpoint under :data:`PREFIX`."""

    async def endpoint(request: Request) -> Response:
        params = await call_params(request)

        def produce() -> dict[str, Any]:
            refused = refusal(emulator, request.method, params, keys)
            return refused if refused is not None else send_sms(params, inbox)

        return await answer(
            emulator,
            request,
            produce,
            error,
            errcode_field="Code",
            media_type="application/json;charset=utf-8",
            status=lambda result: STATUS.get(result["Code"], 200),
        )

    return [Route(PATH, endpoint, methods=["GET", "POST"])]
