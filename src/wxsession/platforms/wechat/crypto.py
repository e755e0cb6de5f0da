"""WeChat open data: check a ``signature``, decrypt ``encryptedData``. Pure: no I/O.

What the client sends here is attacker-controlled input encrypted or signed with the user's
``session_key`` (see docs/wechat-data.md). Input of the wrong shape (not base64, not whole
AES blocks, too large) is :class:`~wxsession.core.platform_errors.WeChatDataMalformed`; that
depends on the input alone, never on the key. Everything after decryption is one error,
:class:`~wxsession.core.platform_errors.WeChatDataInvalid`, raised at the end after every check
has run: bad padding, bad UTF-8, bad JSON and content that is not WeChat's for this user
answer alike, so the route is no padding oracle. Unlike WeChat's sample code, the PKCS#7
padding is checked in full (by ``cryptography``, in constant time).

AES-CBC has no integrity: whoever holds a genuine ciphertext and picks the iv controls the
first 16 plaintext bytes. So decrypted data must also look like what WeChat sends: one JSON
object without duplicate keys, a watermark naming our appid with a recent timestamp, the
caller's own openId and unionId where the data carries them, and a phone number consistent
with its pure form.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from wxsession.core.platform_errors import (
    WeChatDataInvalid,
    WeChatDataMalformed,
    WeChatReloginRequired,
    WeChatSignatureInvalid,
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
    openid: str,
    union_id: str | None = None,
    max_age: int,
    now: float,
) -> dict[str, Any]:
    """Decrypt WeChat open data for the user ``openid`` (``union_id`` if known) of mini
    program ``appid``, and check it came from WeChat; returns the JSON object.

    ``watermark.timestamp`` must be within ``max_age`` seconds of ``now``, either way. Any
    failure after the shape check is :class:`WeChatDataInvalid`, the same whichever check
    failed; every check runs whatever the earlier ones found.
    """
    key = session_key_bytes(session_key)
    iv_bytes, ciphertext = _b64(iv), _b64(encrypted_data)
    if len(iv_bytes) != BLOCK_BYTES:
        raise WeChatDataMalformed("iv must be 16 bytes of base64.")
    if not ciphertext or len(ciphertext) % BLOCK_BYTES or len(ciphertext) > MAX_CIPHERTEXT_BYTES:
        raise WeChatDataMalformed("encryptedData must be whole AES blocks of base64.")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv_bytes)).decryptor()
    plaintext, padded_well = _unpad(decryptor.update(ciphertext) + decryptor.finalize())
    data = _json_object(plaintext)
    # Non-short-circuit "&": the content checks run even when the padding was bad.
    from_wechat = _from_wechat(data or {}, appid, openid, union_id, max_age, now)
    if data is None or not (padded_well & from_wechat):
        raise WeChatDataInvalid()
    return data


def encrypt(payload: bytes, session_key: str, iv: bytes) -> str:
    """The inverse of :func:`decrypt`'s cipher step (base64 of AES-128-CBC, PKCS#7): what
    WeChat does to open data, for tests that build ciphertext (the emulator has its own)."""
    padder = padding.PKCS7(BLOCK_BYTES * 8).padder()
    padded = padder.update(payload) + padder.finalize()
    encryptor = Cipher(algorithms.AES(session_key_bytes(session_key)), modes.CBC(iv)).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode("ascii")


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise WeChatDataMalformed() from None


def _unpad(padded: bytes) -> tuple[bytes, bool]:
    """PKCS#7-unpadded plaintext and True, or the padded bytes as they are and False: the
    caller goes on parsing either way (``cryptography`` checks the padding in constant time)."""
    unpadder = padding.PKCS7(BLOCK_BYTES * 8).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize(), True
    except ValueError:
        return padded, False


def _refuse_constant(_: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON")


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, unless a key repeats: WeChat never sends one, and parsers disagree on
    which copy wins, so a repeated key could smuggle a value past a check."""
    data = dict(pairs)
    if len(data) != len(pairs):
        raise ValueError("duplicate key")
    return data


def _json_object(plaintext: bytes) -> dict[str, Any] | None:
    """The JSON object in ``plaintext``, or None if it is not UTF-8 JSON of one object."""
    try:
        data = json.loads(
            plaintext.decode("utf-8"),
            parse_constant=_refuse_constant,
            object_pairs_hook=_refuse_duplicates,
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _from_wechat(
    data: dict[str, Any],
    appid: str,
    openid: str,
    union_id: str | None,
    max_age: int,
    now: float,
) -> bool:
    """Whether ``data`` is what WeChat sends this user of this app, recently: every check is
    made (``&``, not ``and``), so the answer costs the same whichever of them fails."""
    watermark = data.get("watermark")
    if not isinstance(watermark, dict):
        watermark = {}
    timestamp = watermark.get("timestamp")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        timestamp = None
    ours: bool = watermark.get("appid") == appid
    recent = timestamp is not None and abs(math.floor(now) - timestamp) <= max_age  # ints
    user: bool = data.get("openId", openid) == openid
    union: bool = union_id is None or data.get("unionId", union_id) == union_id
    phone, pure = data.get("phoneNumber", ""), data.get("purePhoneNumber", "")
    same_phone = isinstance(phone, str) and isinstance(pure, str) and phone.endswith(pure)
    return ours & recent & user & union & same_phone
