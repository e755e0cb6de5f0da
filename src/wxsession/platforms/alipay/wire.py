"""Alipay mini program login on the wire: ``alipay.system.oauth.token`` on Alipay's gateway,
``POST https://openapi.alipay.com/gateway.do``.

- The method: https://opendocs.alipay.com/open/02xtla (the code is ``my.getAuthCode()``'s
  ``authCode``: https://opendocs.alipay.com/mini/api/openapi-authorize).
- Signing a request: https://opendocs.alipay.com/common/02kf5q. The common parameters
  (``app_id, method, format=JSON, charset=utf-8, sign_type=RSA2, timestamp, version=1.0``)
  and the method's (``grant_type=authorization_code, code``), the non-empty ones but ``sign``
  sorted by name and joined ``k=v&k=v`` with raw values, signed SHA256withRSA (PKCS#1 v1.5)
  with the app's private key, base64 → ``sign``. The timestamp is Beijing time. All go in the
  query string (the gateway reads them from the query or a form body alike).
- Checking an answer: https://opendocs.alipay.com/common/02mse7. ``{"<method>_response":
  {...}, "sign": "..."}`` or ``{"error_response": {"code", "msg", "sub_code", "sub_msg"},
  "sign": "..."}``; ``sign`` covers the exact text of that object, checked with Alipay's
  public key (once more with ``\\/`` read as ``/``, as Alipay's own SDKs do). A success must
  carry a good signature; an error without one is taken (it refuses, it grants nothing), one
  with a bad signature is not.
- Gateway error codes: https://opendocs.alipay.com/common/02km9f. A wrong, expired or used
  code is ``isv.code-invalid`` alike.

The user is the answer's ``open_id`` (apps created since Alipay introduced it) or ``user_id``
(older apps, ``2088...``), one per app by configuration; ``union_id`` when Alipay sends one.
The access and refresh tokens are not kept.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from wxsession.core.errors import WxSessionError
from wxsession.platforms.alipay import SPEC
from wxsession.platforms.wire import (
    ErrorTable,
    PlatformErrors,
    PlatformRequest,
    non_empty_str,
    optional_str,
    text,
)

log = logging.getLogger("wxsession.providers")

GATEWAY_PATH = "/gateway.do"
METHOD = "alipay.system.oauth.token"
RESPONSE_KEY = METHOD.replace(".", "_") + "_response"
ERROR_KEY = "error_response"
SUCCESS = "10000"
BEIJING = timezone(timedelta(hours=8))
"""Alipay's timestamps are China Standard Time (UTC+8, no daylight saving)."""

WORDING = PlatformErrors("Alipay", "my.getAuthCode()")
_FIELDS = SPEC.settings

ERRORS: ErrorTable[str] = ErrorTable(
    platform="Alipay",
    settings_hint=(
        f"{_FIELDS.env(_FIELDS.appid)}, {_FIELDS.env(_FIELDS.secret)} and the app public key"
        " uploaded on Alipay's console"
    ),
    codes={
        "isv.code-invalid": (WORDING.code_invalid, logging.INFO),
        "isp.unknow-error": (WORDING.unavailable, logging.WARNING),  # Alipay's spelling
        "aop.unknow-error": (WORDING.unavailable, logging.WARNING),
        "20000": (WORDING.unavailable, logging.WARNING),  # service unavailable, any sub_code
        "isv.invalid-app-id": (WORDING.misconfigured, logging.ERROR),
        "isv.invalid-signature": (WORDING.misconfigured, logging.ERROR),
        "isv.missing-signature-key": (WORDING.misconfigured, logging.ERROR),  # no key uploaded
        "isv.insufficient-isv-permissions": (WORDING.misconfigured, logging.ERROR),
        "40006": (WORDING.misconfigured, logging.ERROR),  # insufficient permissions
    },
    unknown=WORDING.malformed,
    busy=frozenset({"isp.unknow-error", "aop.unknow-error", "20000"}),
)
"""Keyed by ``sub_code``, else by ``code`` (the gateway's class of error)."""


@dataclass(frozen=True, slots=True)
class AlipayUser:
    """Who a code names: the app's id for the user, and the union id when sent."""

    subject: str = field(repr=False)
    union_id: str | None = field(default=None, repr=False)


def sign_content(params: Mapping[str, str]) -> str:
    """What a request's ``sign`` signs: the non-empty parameters but ``sign``, sorted by
    name, as ``k=v`` joined by ``&``, values raw (not URL-encoded)."""
    return "&".join(
        f"{name}={params[name]}" for name in sorted(params) if name != "sign" and params[name]
    )


def sign(params: Mapping[str, str], key: RSAPrivateKey) -> str:
    """RSA2: base64 of SHA256withRSA (PKCS#1 v1.5) over :func:`sign_content`."""
    signature = key.sign(sign_content(params).encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def verifies(content: str, signature: str, key: RSAPublicKey) -> bool:
    """Whether ``signature`` (base64) is ``key``'s RSA2 signature of ``content``."""
    try:
        raw = base64.b64decode(signature, validate=True)
        key.verify(raw, content.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def beijing_time(now: float) -> str:
    """``now`` (Unix time) as the gateway's ``timestamp``: ``yyyy-MM-dd HH:mm:ss``, UTC+8."""
    return datetime.fromtimestamp(now, BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def token_request(appid: str, key: RSAPrivateKey, code: str, now: float) -> PlatformRequest:
    """The signed call that exchanges ``my.getAuthCode()``'s code, made at ``now``."""
    params = {
        "app_id": appid,
        "method": METHOD,
        "format": "JSON",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": beijing_time(now),
        "version": "1.0",
        "grant_type": "authorization_code",
        "code": code,
    }
    params["sign"] = sign(params, key)
    return PlatformRequest("POST", GATEWAY_PATH, params=params)


_DECODER = json.JSONDecoder()


def raw_members(body: str) -> dict[str, str] | None:
    """The exact text of each value of the JSON object ``body``, by name (what Alipay
    signed is that text, not a re-serialisation of it), or ``None`` if it is not one."""
    try:
        return _members(body)
    except (ValueError, RecursionError):
        return None


def _members(body: str) -> dict[str, str] | None:
    at = _skip(body, 0)
    if body[at : at + 1] != "{":
        return None
    members: dict[str, str] = {}
    at = _skip(body, at + 1)
    if body[at : at + 1] == "}":
        return members if _skip(body, at + 1) == len(body) else None
    while True:
        name, at = _DECODER.raw_decode(body, at)
        at = _skip(body, at)
        if not isinstance(name, str) or body[at : at + 1] != ":":
            return None
        start = _skip(body, at + 1)
        _, at = _DECODER.raw_decode(body, start)
        members[name] = body[start:at]
        at = _skip(body, at)
        if body[at : at + 1] == "}":
            return members if _skip(body, at + 1) == len(body) else None
        if body[at : at + 1] != ",":
            return None
        at = _skip(body, at + 1)


def _skip(body: str, at: int) -> int:
    """The first position from ``at`` that is not JSON whitespace."""
    while at < len(body) and body[at] in " \t\n\r":
        at += 1
    return at


def parse_token(status: int, body: bytes, alipay_key: RSAPublicKey, id_type: str) -> AlipayUser:
    """The user a token answer names (its ``id_type`` field), or the mapped error. A non-2xx
    status is an outage; an answer whose signature does not check is malformed."""
    if not 200 <= status < 300:
        raise WORDING.unavailable()
    try:
        members = raw_members(body.decode())
    except UnicodeDecodeError:
        members = None
    if members is None:
        raise WORDING.malformed()
    signature = _signature(members)
    if RESPONSE_KEY in members:
        data = _signed_object(members[RESPONSE_KEY], signature, alipay_key, required=True)
        if text(data.get("code")) in ("", SUCCESS):
            subject = data.get(id_type)
            if not non_empty_str(subject):
                log.warning(
                    "Alipay answered no %s: check %s", id_type, _FIELDS.env("alipay_id_type")
                )
                raise WORDING.malformed()
            return AlipayUser(subject, optional_str(data.get("union_id"), WORDING.malformed))
    elif ERROR_KEY in members:
        data = _signed_object(members[ERROR_KEY], signature, alipay_key, required=False)
    else:
        raise WORDING.malformed()
    raise _error(data)


def _signature(members: Mapping[str, str]) -> str | None:
    raw = members.get("sign")
    value = None if raw is None else json.loads(raw)
    return value if isinstance(value, str) and value else None


def _signed_object(
    raw: str, signature: str | None, key: RSAPublicKey, *, required: bool
) -> dict[str, object]:
    """The object whose exact text is ``raw``, once its signature checks (or, when not
    ``required``, there is none)."""
    if signature is not None or required:
        good = signature is not None and (
            verifies(raw, signature, key)
            or ("\\/" in raw and verifies(raw.replace("\\/", "/"), signature, key))
        )
        if not good:
            log.error(
                "Alipay answer's signature does not check; check %s (Alipay's public key,"
                " not the app's)",
                _FIELDS.env("alipay_public_key"),
            )
            raise WORDING.malformed()
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise WORDING.malformed()
    return data


def _error(data: Mapping[str, object]) -> WxSessionError:
    """The error an ``error_response`` (or a failed response object) stands for."""
    code, sub_code = text(data.get("code")), text(data.get("sub_code"))
    key = sub_code if sub_code in ERRORS.codes else code
    return ERRORS.error_for(
        key, f"{code} {sub_code} {text(data.get('sub_msg') or data.get('msg'))}"
    )
