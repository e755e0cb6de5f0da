"""WeChat open data: check a ``signature``, decrypt ``encryptedData``. Pure: no I/O.

What the client sends here is attacker-controlled input encrypted or signed with the user's
``session_key`` (see docs/wechat-data.md). Every way it can be wrong ends in one
:class:`~wxsession.errors.WeChatDataError` subclass, a 400 with its own code; nothing else
escapes (a property test feeds it random bytes to hold that). Unlike WeChat's sample code,
the PKCS#7 padding is checked in full, and the watermark must name our appid, so data
encrypted for another mini program (or garbage that happens to unpad) is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from wxsession.errors import (
    WeChatDataInvalid,
    WeChatDataMalformed,
    WeChatDataStale,
    WeChatDecryptFailed,
    WeChatReloginRequired,
    WeChatSignatureInvalid,
    WeChatWatermarkMismatch,
)

BLOCK_BYTES = 16
"""AES block size, and the length of both the key and the iv."""

MAX_CIPHERTEXT_BYTES = 32 * 1024
"""Open data (phone, group, run data) is a few KiB at most; larger input is refused early."""


def sign(raw_data: str, session_key: str) -> str:
    """WeChat's signature of ``rawData``: hex ``sha1(rawData + session_key)``.

    SHA-1 over a concatenation is WeChat's scheme, not our choice; it only proves that the
    data came through a client holding this login's session_key.
    """
    digest = hashlib.sha1((raw_data + session_key).encode("utf-8"))  # noqa: S324 WeChat's scheme
    return digest.hexdigest()


def verify_signature(raw_data: str, signature: str, session_key: str) -> None:
    """Raise :class:`WeChatSignatureInvalid` unless ``signature`` signs ``raw_data``.

    Compared in constant time, as bytes (``compare_digest`` refuses non-ASCII ``str``).
    """
    try:  # JSON can carry lone surrogates ("\ud800"), which have no UTF-8 form
        expected = sign(raw_data, session_key).encode("ascii")
        presented = signature.strip().lower().encode("utf-8")
    except UnicodeEncodeError:
        raise WeChatSignatureInvalid() from None
    if not hmac.compare_digest(expected, presented):
        raise WeChatSignatureInvalid()


def session_key_bytes(session_key: str) -> bytes:
    """The AES key inside a session_key. A key that is not 16 bytes of base64 cannot have
    come from WeChat for this user, so the client must log in again to get a real one."""
    try:
        key = _b64(session_key)
    except WeChatDataMalformed:
        raise WeChatReloginRequired() from None
    if len(key) != BLOCK_BYTES:
        raise WeChatReloginRequired()
    return key


def decrypt(
    encrypted_data: str,
    iv: str,
    session_key: str,
    *,
    appid: str,
    max_age: int | None = None,
    now: float,
) -> dict[str, Any]:
    """Decrypt WeChat open data and check its watermark; returns the JSON object.

    ``max_age`` (seconds) refuses a ``watermark.timestamp`` further than that from ``now``
    in either direction; ``None`` skips the time check.
    """
    key = session_key_bytes(session_key)
    iv_bytes = _b64(iv)
    ciphertext = _b64(encrypted_data)
    if len(iv_bytes) != BLOCK_BYTES:
        raise WeChatDataMalformed("iv must be 16 bytes of base64.")
    if not ciphertext or len(ciphertext) % BLOCK_BYTES or len(ciphertext) > MAX_CIPHERTEXT_BYTES:
        raise WeChatDataMalformed("encryptedData must be whole AES blocks of base64.")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv_bytes)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(BLOCK_BYTES * 8).unpadder()
    try:
        plaintext = unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise WeChatDecryptFailed() from None
    data = _json_object(plaintext)
    _check_watermark(data, appid, max_age, now)
    return data


def encrypt(payload: bytes, session_key: str, iv: bytes) -> str:
    """The inverse of :func:`decrypt`'s cipher step (base64 of AES-128-CBC, PKCS#7): what
    WeChat does to open data. Used by the emulator so tests decrypt real ciphertext."""
    padder = padding.PKCS7(BLOCK_BYTES * 8).padder()
    padded = padder.update(payload) + padder.finalize()
    encryptor = Cipher(algorithms.AES(session_key_bytes(session_key)), modes.CBC(iv)).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode("ascii")


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise WeChatDataMalformed() from None


def _refuse_constant(_: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON")


def _json_object(plaintext: bytes) -> dict[str, Any]:
    try:
        data = json.loads(plaintext.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        # Almost always a wrong key whose garbage happened to unpad; reported as bad data.
        raise WeChatDataInvalid() from None
    if not isinstance(data, dict):
        raise WeChatDataInvalid()
    return data


def _check_watermark(data: dict[str, Any], appid: str, max_age: int | None, now: float) -> None:
    watermark = data.get("watermark")
    if not isinstance(watermark, dict) or watermark.get("appid") != appid:
        raise WeChatWatermarkMismatch()
    if max_age is None:
        return
    timestamp = watermark.get("timestamp")
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        raise WeChatDataInvalid("The data's watermark has no timestamp.")
    if abs(now - timestamp) > max_age:
        raise WeChatDataStale()
