"""Alibaba Cloud SMS on the wire: Dysmsapi 2017-05-25 ``SendSms``, an RPC-style call signed
with HMAC-SHA1 (signature version 1.0). Sans-IO: requests are built and answers read here.

- The call: https://help.aliyun.com/zh/sms/developer-reference/api-dysmsapi-2017-05-25-sendsms.
  Parameters ``PhoneNumbers``, ``SignName``, ``TemplateCode``, ``TemplateParam`` (a JSON
  object of the template's named variables) with the common ``Action=SendSms``,
  ``Version=2017-05-25``, ``Format=JSON``, ``RegionId``, ``AccessKeyId``, ``Timestamp``
  (UTC, ``YYYY-MM-DDThh:mm:ssZ``), ``SignatureMethod=HMAC-SHA1``, ``SignatureVersion=1.0``,
  ``SignatureNonce`` (unique per call).
- Signing: https://help.aliyun.com/document_detail/56189.html (SMS) and
  https://help.aliyun.com/en/document_detail/130769.html (RPC). Every parameter but
  ``Signature``, sorted by name, names and values percent-encoded (RFC 3986: only
  ``A-Za-z0-9-_.~`` kept, space ``%20``), joined ``k=v&...``; the string to sign is
  ``METHOD&%2F&`` + that string percent-encoded again; the signature is base64 of its
  HMAC-SHA1 under ``AccessKeySecret + "&"``. The SMS page's worked example is the
  known-answer test of :func:`signature`.
- Answers: ``{"Code": "OK", "Message", "BizId", "RequestId"}``; a refusal has another
  ``Code`` (https://help.aliyun.com/zh/sms/developer-reference/api-error-codes), and the
  gateway's own refusals (``SignatureDoesNotMatch``, ``InvalidAccessKeyId.NotFound``) come
  with a 4xx status in the same shape.

Why HMAC-SHA1 (RPC) and not the newer ACS3-HMAC-SHA256: Dysmsapi is an RPC API that takes
both, the SMS documentation's worked example (and so a vendor-published known answer) is
the RPC one, and HMAC-SHA1 stays sound as a MAC (SHA-1's collisions do not give HMAC
forgeries). The call is a ``POST`` whose form body carries every parameter, so the code in
``TemplateParam`` is never in a URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

from wxsession.messaging.sms_wire import (
    SENT,
    Outcome,
    Verdict,
    classify,
    json_object,
    outcome,
)
from wxsession.platforms.wire import PlatformRequest

ACTION = "SendSms"
VERSION = "2017-05-25"
DEFAULT_HOST = "dysmsapi.aliyuncs.com"
OK = "OK"

ERRORS: dict[str, Verdict] = {
    "isv.BUSINESS_LIMIT_CONTROL": Verdict.UNAVAILABLE,  # the number's minute/hour/day limits
    "isv.DAY_LIMIT_CONTROL": Verdict.UNAVAILABLE,
    "isv.MONTH_LIMIT_CONTROL": Verdict.UNAVAILABLE,
    "isv.MOBILE_NUMBER_ILLEGAL": Verdict.RECIPIENT_REFUSED,
    "isv.BLACK_KEY_CONTROL_LIMIT": Verdict.RECIPIENT_REFUSED,
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED": Verdict.RECIPIENT_REFUSED,
    "isv.SMS_TEST_NUMBER_LIMIT": Verdict.RECIPIENT_REFUSED,
    "isp.RAM_PERMISSION_DENY": Verdict.MISCONFIGURED,
    "Throttling": Verdict.UNAVAILABLE,
    "ServiceUnavailable": Verdict.UNAVAILABLE,
    "InternalError": Verdict.UNAVAILABLE,
    "SignatureDoesNotMatch": Verdict.MISCONFIGURED,
    "IncompleteSignature": Verdict.MISCONFIGURED,
    "SignatureNonceUsed": Verdict.MISCONFIGURED,
    "MissingAccessKeyId": Verdict.MISCONFIGURED,
}
"""Codes by exact name."""

ERROR_CLASSES: dict[str, Verdict] = {
    "isv.": Verdict.MISCONFIGURED,  # sign name, template, parameters, balance, account
    "isp.": Verdict.UNAVAILABLE,  # the service's own failures
    "Throttling.": Verdict.UNAVAILABLE,
    "InvalidAccessKeyId.": Verdict.MISCONFIGURED,
    "InvalidTimeStamp.": Verdict.MISCONFIGURED,  # the server's clock
    "Forbidden.": Verdict.MISCONFIGURED,
}
"""Codes by class (prefix), for the ones not listed one by one."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """An Alibaba Cloud AccessKey pair; ``repr`` hides both."""

    access_key_id: str = field(repr=False)
    access_key_secret: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class SmsApp:
    """What a send needs besides the message: the AccessKey, the approved sign name and
    the region (``cn-hangzhou``)."""

    credentials: Credentials
    sign_name: str
    region: str


def percent_encode(text: str) -> str:
    """RFC 3986 percent-encoding of the UTF-8 text: only ``A-Za-z0-9-_.~`` stay as they are."""
    return quote(text, safe="")


def canonical_query(params: Mapping[str, str]) -> str:
    """Every parameter but ``Signature``, sorted by name, encoded, joined ``k=v&k=v``."""
    return "&".join(
        f"{percent_encode(name)}={percent_encode(params[name])}"
        for name in sorted(params)
        if name != "Signature"
    )


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"


def signature(method: str, params: Mapping[str, str], secret: str) -> str:
    """Base64 of HMAC-SHA1 over :func:`string_to_sign` under ``secret + "&"``."""
    mac = hmac.new(f"{secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def timestamp_text(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def send_sms(
    app: SmsApp,
    phone: str,
    template_code: str,
    params: Mapping[str, str],
    *,
    timestamp: int,
    nonce: str,
) -> PlatformRequest:
    """The signed ``SendSms`` call for one E.164 number (sent without its ``+``: the country
    code then the number, which Dysmsapi reads for mainland and international numbers
    alike); the code is one of ``params``, the template's named variables."""
    form = {
        "AccessKeyId": app.credentials.access_key_id,
        "Action": ACTION,
        "Format": "JSON",
        "PhoneNumbers": phone.removeprefix("+"),
        "RegionId": app.region,
        "SignName": app.sign_name,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": nonce,
        "SignatureVersion": "1.0",
        "TemplateCode": template_code,
        "TemplateParam": json.dumps(dict(params), ensure_ascii=False, separators=(",", ":")),
        "Timestamp": timestamp_text(timestamp),
        "Version": VERSION,
    }
    form["Signature"] = signature("POST", form, app.credentials.access_key_secret)
    return PlatformRequest("POST", "/", form=form)


def parse_send_sms(status: int, body: bytes) -> Outcome:
    """The verdict on a ``SendSms`` answer: its ``Code`` (on any status, as the gateway
    refuses with 4xx in the same shape); without one, a 5xx is an outage, else malformed."""
    data = json_object(body) or {}
    code = data.get("Code")
    if not isinstance(code, str) or not code:
        verdict = Verdict.UNAVAILABLE if status >= 500 else Verdict.MALFORMED
        return outcome(verdict, f"HTTP {status}", "")
    if code == OK and 200 <= status < 300:
        return SENT
    verdict = classify(code, ERRORS, ERROR_CLASSES)
    if verdict is Verdict.MALFORMED and status >= 500:
        verdict = Verdict.UNAVAILABLE
    return outcome(verdict, code, data.get("Message"))
