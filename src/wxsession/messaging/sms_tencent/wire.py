"""Tencent Cloud SMS on the wire: ``SendSms`` (API version 2021-01-11), signed with
TC3-HMAC-SHA256. Sans-IO: requests are built and answers read here, sent elsewhere.

- The call: https://cloud.tencent.com/document/api/382/55981. ``POST /`` on
  ``sms.tencentcloudapi.com`` with headers ``X-TC-Action: SendSms``, ``X-TC-Version:
  2021-01-11``, ``X-TC-Timestamp``, ``X-TC-Region`` and a JSON body ``PhoneNumberSet`` (E.164),
  ``SmsSdkAppId``, ``SignName``, ``TemplateId``, ``TemplateParamSet`` (the template's
  parameters in order, as strings).
- Signing (signature v3): https://cloud.tencent.com/document/api/213/30654. The canonical
  request (method, ``/``, empty query, the signed headers ``content-type;host`` as
  ``name:value\\n`` lines, SHA-256 of the body) hashed into the string to sign
  (``TC3-HMAC-SHA256``, the timestamp, the scope ``<UTC date>/sms/tc3_request``), signed
  with a key derived from ``"TC3" + SecretKey`` through the date, the service and
  ``tc3_request``; ``Authorization: TC3-HMAC-SHA256 Credential=<SecretId>/<scope>,
  SignedHeaders=content-type;host, Signature=<hex>``.
- Answers: ``{"Response": {"SendStatusSet": [{"PhoneNumber", "Code": "Ok" | an error code,
  "Message", ...}], "RequestId"}}``, or ``{"Response": {"Error": {"Code", "Message"},
  "RequestId"}}`` for a refused call. Error codes: https://cloud.tencent.com/document/api/382/52075.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from wxsession.messaging.sms_wire import (
    SENT,
    Outcome,
    Verdict,
    classify,
    json_object,
    outcome,
)
from wxsession.platforms.wire import PlatformRequest

SERVICE = "sms"
ACTION = "SendSms"
VERSION = "2021-01-11"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
SIGNED_HEADERS = "content-type;host"
DEFAULT_HOST = "sms.tencentcloudapi.com"
OK = "Ok"

ERRORS: dict[str, Verdict] = {
    "InternalError": Verdict.UNAVAILABLE,
    "RequestLimitExceeded": Verdict.UNAVAILABLE,
    "FailedOperation.InsufficientBalanceInSmsPackage": Verdict.MISCONFIGURED,
    "FailedOperation.SignatureIncorrectOrUnapproved": Verdict.MISCONFIGURED,
    "FailedOperation.TemplateIncorrectOrUnapproved": Verdict.MISCONFIGURED,
    "FailedOperation.ContainSensitiveWord": Verdict.MISCONFIGURED,
    "FailedOperation.PhoneNumberInBlacklist": Verdict.RECIPIENT_REFUSED,
    "FailedOperation.PhoneNumberOnBlacklist": Verdict.RECIPIENT_REFUSED,
    "InvalidParameterValue.IncorrectPhoneNumber": Verdict.RECIPIENT_REFUSED,
    "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber": Verdict.RECIPIENT_REFUSED,
    "UnsupportedOperation.UnsupportedRegion": Verdict.RECIPIENT_REFUSED,
}
"""Error codes by exact name (request errors and per-number ``SendStatusSet`` codes alike)."""

ERROR_CLASSES: dict[str, Verdict] = {
    "AuthFailure.": Verdict.MISCONFIGURED,  # SecretId, signature, timestamp, permission
    "UnauthorizedOperation.": Verdict.MISCONFIGURED,  # SdkAppId not the account's, not enabled
    "InvalidParameterValue.": Verdict.MISCONFIGURED,  # template parameters, sign name
    "MissingParameter": Verdict.MISCONFIGURED,
    "InternalError.": Verdict.UNAVAILABLE,
    "RequestLimitExceeded.": Verdict.UNAVAILABLE,
    "LimitExceeded.": Verdict.UNAVAILABLE,  # the number's (or the app's) send limits: later
}
"""Error classes by prefix, for the codes not listed one by one."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """A Tencent Cloud API key pair; ``repr`` hides both."""

    secret_id: str = field(repr=False)
    secret_key: str = field(repr=False)


def utc_date(timestamp: int) -> str:
    """The credential scope's date: the timestamp's day in UTC, ``YYYY-MM-DD``."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def canonical_request(host: str, payload: bytes, content_type: str = CONTENT_TYPE) -> str:
    """A ``POST /`` call's canonical request: method, URI, query (empty), the signed headers
    (lower-cased names, trimmed values, each line ended), their names, the body's SHA-256."""
    headers = f"content-type:{content_type.strip().lower()}\nhost:{host.strip().lower()}\n"
    digest = hashlib.sha256(payload).hexdigest()
    return "\n".join(["POST", "/", "", headers, SIGNED_HEADERS, digest])


def string_to_sign(timestamp: int, canonical: str, service: str = SERVICE) -> str:
    scope = f"{utc_date(timestamp)}/{service}/tc3_request"
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return "\n".join([ALGORITHM, str(timestamp), scope, digest])


def signing_key(secret_key: str, date: str, service: str = SERVICE) -> bytes:
    """``"TC3" + SecretKey`` through HMAC-SHA256 of the date, the service, ``tc3_request``."""
    key = ("TC3" + secret_key).encode()
    for part in (date, service, "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def signature(secret_key: str, timestamp: int, canonical: str, service: str = SERVICE) -> str:
    """The hex HMAC-SHA256 of the string to sign under the derived key."""
    key = signing_key(secret_key, utc_date(timestamp), service)
    message = string_to_sign(timestamp, canonical, service).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def authorization(
    credentials: Credentials, timestamp: int, host: str, payload: bytes, service: str = SERVICE
) -> str:
    """The ``Authorization`` header of a ``POST /`` with ``payload`` to ``host``."""
    canonical = canonical_request(host, payload)
    signed = signature(credentials.secret_key, timestamp, canonical, service)
    scope = f"{utc_date(timestamp)}/{service}/tc3_request"
    return (
        f"{ALGORITHM} Credential={credentials.secret_id}/{scope}, "
        f"SignedHeaders={SIGNED_HEADERS}, Signature={signed}"
    )


@dataclass(frozen=True, slots=True)
class SmsApp:
    """What a send needs besides the message: the account's key, its SMS application, the
    approved sign name, the region (``ap-guangzhou``...) and the host the calls go to."""

    credentials: Credentials
    sdk_app_id: str
    sign_name: str
    region: str
    host: str = DEFAULT_HOST


def send_sms(
    app: SmsApp, phone: str, template_id: str, params: Sequence[str], timestamp: int
) -> PlatformRequest:
    """The signed ``SendSms`` call for one E.164 number; the code is one of ``params``."""
    body = {
        "PhoneNumberSet": [phone],
        "SmsSdkAppId": app.sdk_app_id,
        "SignName": app.sign_name,
        "TemplateId": template_id,
        "TemplateParamSet": list(params),
    }
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Authorization": authorization(app.credentials, timestamp, app.host, payload),
        "Content-Type": CONTENT_TYPE,
        "X-TC-Action": ACTION,
        "X-TC-Version": VERSION,
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Region": app.region,
    }
    return PlatformRequest("POST", "/", content=payload, headers=headers)


def parse_send_sms(status: int, body: bytes) -> Outcome:
    """The verdict on a ``SendSms`` answer for one number: a non-2xx status is an outage;
    ``Response.Error`` a refused call; else the number's ``SendStatusSet`` entry."""
    if not 200 <= status < 300:
        return outcome(Verdict.UNAVAILABLE, f"HTTP {status}", "")
    data = json_object(body)
    response = data.get("Response") if data is not None else None
    if not isinstance(response, dict):
        return outcome(Verdict.MALFORMED, "", "")
    error = response.get("Error")
    if isinstance(error, dict):
        return _error(error.get("Code"), error.get("Message"))
    statuses = response.get("SendStatusSet")
    if not isinstance(statuses, list) or len(statuses) != 1 or not isinstance(statuses[0], dict):
        return outcome(Verdict.MALFORMED, "", "")
    code = statuses[0].get("Code")
    return SENT if code == OK else _error(code, statuses[0].get("Message"))


def _error(code: object, message: object) -> Outcome:
    name = code if isinstance(code, str) else ""
    return outcome(classify(name, ERRORS, ERROR_CLASSES), name, message)
