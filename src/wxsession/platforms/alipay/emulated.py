"""Alipay's gateway as the emulator plays it: ``alipay.system.oauth.token`` at
``/gateway.do``, served under :data:`PREFIX`.

Both directions are proved, as with Alipay: a call's ``sign`` is checked with the public key
of the app registered here (``--alipay-app APPID:PUBLIC_KEY``; the app's private key works too,
its public half is used), and every answer is signed with the emulator's own key
(``dev_keys.EMULATOR_PRIVATE_KEY``), whose public half the service must hold as Alipay's. With
no app registered, any app is accepted and calls are not checked (the emulator has no key to
check them with); answers are still signed. Written from Alipay's documentation, not from our
client's code, so the emulator stays an independent oracle.
"""

from __future__ import annotations

import base64
import functools
import json
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from starlette.routing import Route

from wxsession.emulator.core import EmulatorCore
from wxsession.emulator.records import ExchangeErrors
from wxsession.emulator.routing import EmulatedPlatform, api_route, call_params, timely
from wxsession.platforms.alipay import DEV_PREFIX, SPEC, dev_keys, keys

NAME = SPEC.name
PREFIX = DEV_PREFIX
METHOD = "alipay.system.oauth.token"
RESPONSE = "alipay_system_oauth_token_response"
CST = timezone(timedelta(hours=8))
TIMESTAMP_WINDOW = 15 * 60
STAMP_LAYOUT = "%Y-%m-%d %H:%M:%S"  # Beijing time
"""Alipay refuses a timestamp far from its clock (``isv.invalid-timestamp``); this is the
emulator's window, in seconds."""

MESSAGES: Mapping[str, str] = {
    "20000": "Service Currently Unavailable",
    "40001": "Missing Required Arguments",
    "40002": "Invalid Arguments",
    "40004": "Business Failed",
    "40006": "Insufficient Permissions",
}
SUB_CODES: Mapping[str, tuple[str, str]] = {
    "isp.unknow-error": ("20000", "服务暂不可用"),
    "isv.missing-method": ("40001", "缺少方法名参数"),
    "isv.missing-signature": ("40001", "缺少签名参数"),
    "isv.missing-app-id": ("40001", "缺少appId参数"),
    "isv.missing-timestamp": ("40001", "缺少时间戳参数"),
    "isv.missing-signature-key": ("40001", "缺少签名配置"),
    "isv.invalid-method": ("40002", "不存在的方法名"),
    "isv.invalid-app-id": ("40002", "无效的AppID参数"),
    "isv.invalid-signature-type": ("40002", "无效的签名类型"),
    "isv.invalid-signature": ("40002", "验签出错"),
    "isv.invalid-timestamp": ("40002", "非法的时间戳参数"),
    "isv.invalid-parameter": ("40002", "参数无效"),
    "isv.code-invalid": ("40002", "授权码code无效"),
    "isv.insufficient-isv-permissions": (
        "40006",
        "ISV权限不足",
    ),
}
FORCED: Mapping[int, str] = {
    20000: "isp.unknow-error",
    40001: "isv.missing-signature",
    40002: "isv.invalid-signature",
    40006: "isv.insufficient-isv-permissions",
}
"""The ``sub_code`` a forced gateway code (``/_emulator/faults {"errcode": 40002}``) comes
with; a forced word is the ``sub_code`` itself (``{"errcode": "isv.code-invalid"}``)."""

ERRORS = ExchangeErrors(
    no_appid="isv.missing-app-id",
    no_secret="isv.missing-signature",  # noqa: S106 (a gateway sub_code)
    no_code="isv.code-invalid",
    bad_appid="isv.invalid-app-id",
    bad_secret="isv.invalid-signature",  # noqa: S106 (a gateway sub_code)
    bad_code="isv.code-invalid",
    used_code="isv.code-invalid",  # Alipay answers a used code as invalid
)


@functools.cache
def _own_key() -> RSAPrivateKey:
    return keys.private_key(dev_keys.EMULATOR_PRIVATE_KEY)


@functools.lru_cache(maxsize=64)
def _app_key(registered: str) -> RSAPublicKey | None:
    """The public key an app is registered with (or the public half of its private key)."""
    try:
        return keys.public_key(registered)
    except keys.BadKey:
        pass
    try:
        return keys.private_key(registered).public_key()
    except keys.BadKey:
        return None


def _signed(member: str, content: dict[str, Any]) -> dict[str, Any]:
    """``{member: content, "sign": ...}``: the signature covers ``json.dumps(content)``, the
    very text :func:`~wxsession.emulator.routing.answer` writes for it inside the answer."""
    signature = _own_key().sign(json.dumps(content).encode(), padding.PKCS1v15(), hashes.SHA256())
    return {member: content, "sign": base64.b64encode(signature).decode()}


def error(sub_code: str, *, signed: bool = True) -> dict[str, Any]:
    """The gateway's ``error_response`` for ``sub_code``, signed unless the app is unknown."""
    code, sub_msg = SUB_CODES[sub_code]
    content = {"code": code, "msg": MESSAGES[code], "sub_code": sub_code, "sub_msg": sub_msg}
    return _signed("error_response", content) if signed else {"error_response": content}


def forced_error(errcode: int | str) -> dict[str, Any]:
    """A forced fault's answer, signed: a ``sub_code`` (``"isv.code-invalid"``), or a gateway
    ``code`` (``20000``: busy) with its usual ``sub_code``."""
    sub_code = errcode if isinstance(errcode, str) else FORCED.get(errcode)
    if sub_code is not None and sub_code in SUB_CODES:
        return error(sub_code)
    code = str(errcode)
    return _signed("error_response", {"code": code, "msg": MESSAGES.get(code, "Unknown Error")})


def _unsigned_text(params: Mapping[str, str]) -> str:
    """What the app signed: every non-empty parameter but ``sign``, by name, ``k=v&k=v``."""
    pairs = sorted((k, v) for k, v in params.items() if k != "sign" and v != "")
    return "&".join(f"{k}={v}" for k, v in pairs)


def _signed_by(params: Mapping[str, str], key: RSAPublicKey) -> bool:
    try:
        signature = base64.b64decode(params["sign"], validate=True)
        key.verify(signature, _unsigned_text(params).encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def refusal(emulator: EmulatorCore, params: Mapping[str, str]) -> dict[str, Any] | None:
    """The gateway's answer to a call it refuses before looking at the code, else ``None``."""
    appid, apps = params.get("app_id", ""), emulator.platform_apps.get(NAME, {})
    missing = [
        sub_code
        for name, sub_code in (
            ("method", "isv.missing-method"),
            ("app_id", "isv.missing-app-id"),
            ("sign", "isv.missing-signature"),
            ("timestamp", "isv.missing-timestamp"),
        )
        if not params.get(name)
    ]
    if missing:
        return error(missing[0], signed=False)
    if params["method"] != METHOD:
        return error("isv.invalid-method", signed=False)
    if apps and appid not in apps:
        return error("isv.invalid-app-id", signed=False)
    if params.get("sign_type") != "RSA2":
        return error("isv.invalid-signature-type")
    key = _app_key(apps[appid]) if apps else None
    if apps and key is None:
        return error("isv.missing-signature-key")
    if key is not None and not _signed_by(params, key):
        return error("isv.invalid-signature")
    if not timely(emulator, params["timestamp"], STAMP_LAYOUT, CST, TIMESTAMP_WINDOW):
        return error("isv.invalid-timestamp")
    if params.get("grant_type") != "authorization_code":
        return error("isv.invalid-parameter")
    return None


def token(emulator: EmulatorCore, params: Mapping[str, str]) -> dict[str, Any]:
    """``alipay.system.oauth.token`` with ``grant_type=authorization_code``."""
    refused = refusal(emulator, params)
    if refused is not None:
        return refused
    taken = emulator.take_code(NAME, ERRORS, params["app_id"], params.get("code"))
    if isinstance(taken, str):
        return error(taken)
    digits = int.from_bytes(emulator.derive(b"alipay user_id", taken.user).encode()) % 10**12
    content: dict[str, Any] = {
        "access_token": f"authusrB{secrets.token_hex(20)}",
        "auth_start": datetime.fromtimestamp(emulator.clock(), CST).strftime(STAMP_LAYOUT),
        "expires_in": 1296000,
        "open_id": emulator.openid_for(taken.appid, taken.user),
        "re_expires_in": 2592000,
        "refresh_token": f"authusrB{secrets.token_hex(20)}",
        "user_id": f"2088{digits:012d}",
    }
    if emulator.unionid:
        content["union_id"] = emulator.unionid_for(taken.user, NAME)
    return _signed(RESPONSE, content)


def routes(emulator: EmulatorCore) -> list[Route]:
    """The gateway under :data:`PREFIX`."""
    return [
        api_route(
            emulator,
            f"{PREFIX}/gateway.do",
            ["GET", "POST"],
            call_params,
            lambda params: token(emulator, params),
            forced_error,
            media_type="application/json;charset=utf-8",
        )
    ]


EMULATED = EmulatedPlatform(NAME, PREFIX, routes)
