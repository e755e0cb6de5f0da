"""Alipay's RSA keys as operators hold them: PEM text, the one-line base64 Alipay's key
tool and console show (a PKCS#8 or PKCS#1 private key, an X.509 public key), or a file with
either. Loaded once, at start-up: a key that does not load stops the service with one line
naming its variable (:func:`check_app`), never quoting the value.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from wxsession.platforms.alipay import ID_TYPES, SPEC
from wxsession.platforms.spec import PlatformApp

MIN_KEY_BITS = 2048
"""RSA2 is SHA256withRSA over keys of at least 2048 bits."""

_FIELDS = SPEC.settings
PRIVATE_KEY_VARIABLE = _FIELDS.env(_FIELDS.secret)
PUBLIC_KEY_VARIABLE = _FIELDS.env("alipay_public_key")
ID_TYPE_VARIABLE = _FIELDS.env("alipay_id_type")


Key = TypeVar("Key", RSAPrivateKey, RSAPublicKey)


class BadKey(ValueError):
    """A key setting that does not load; the message names the variable, never the value."""


@dataclass(frozen=True, slots=True)
class AppKeys:
    """What an Alipay app signs and checks with, loaded, and the id that names its users."""

    private_key: RSAPrivateKey = field(repr=False)
    alipay_key: RSAPublicKey = field(repr=False)
    id_type: str


def _material(value: str) -> bytes:
    """The key's text: ``value`` itself, or the content of the file it names."""
    text = value.strip()
    if not text.startswith("-----BEGIN") and os.path.isfile(text):
        try:
            return Path(text).read_bytes()
        except OSError as exc:
            raise BadKey(f"cannot read the file ({exc.strerror or type(exc).__name__})") from None
    return text.encode()


def _der(material: bytes) -> bytes | None:
    """The DER bytes of a bare base64 key (Alipay's one-line form), or ``None``."""
    try:
        return base64.b64decode(b"".join(material.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def private_key(value: str) -> RSAPrivateKey:
    """An RSA private key of at least 2048 bits, from PEM, base64 DER or a file."""
    material = _material(value)
    try:
        if material.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_private_key(material, password=None)
        else:
            der = _der(material)
            if der is None:
                raise ValueError
            key = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise BadKey(
            "is not an unencrypted RSA private key (PEM, or Alipay's one-line base64) nor a"
            " file holding one"
        ) from None
    if not isinstance(key, RSAPrivateKey):
        raise BadKey("is not an RSA key (RSA2 signs with RSA)")
    return _strong(key)


def public_key(value: str) -> RSAPublicKey:
    """An RSA public key of at least 2048 bits, from PEM, base64 DER or a file."""
    material = _material(value)
    try:
        if material.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(material)
        else:
            der = _der(material)
            if der is None:
                raise ValueError
            key = serialization.load_der_public_key(der)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise BadKey(
            "is not an RSA public key (PEM, or Alipay's one-line base64) nor a file holding one"
        ) from None
    if not isinstance(key, RSAPublicKey):
        raise BadKey("is not an RSA key (RSA2 checks with RSA)")
    return _strong(key)


def _strong(key: Key) -> Key:
    if key.key_size < MIN_KEY_BITS:
        raise BadKey(f"is a {key.key_size}-bit key; RSA2 needs {MIN_KEY_BITS} bits or more")
    return key


def app_keys(app: PlatformApp) -> AppKeys:
    """``app``'s keys and id type, loaded and checked; :class:`BadKey` names what is wrong."""
    id_type = app.options["id_type"]
    if id_type not in ID_TYPES:
        raise BadKey(f"{ID_TYPE_VARIABLE}: must be {' or '.join(ID_TYPES)}")
    alipay = app.options["public_key"]
    if not isinstance(alipay, str) or not alipay.strip():
        raise BadKey(
            f"{PUBLIC_KEY_VARIABLE}: is required with {_FIELDS.env(_FIELDS.appid)}"
            " (every answer of Alipay is checked with it)"
        )
    try:
        mine = private_key(app.secret.get_secret_value())
    except BadKey as exc:
        raise BadKey(f"{PRIVATE_KEY_VARIABLE}: {exc}") from None
    try:
        theirs = public_key(alipay)
    except BadKey as exc:
        raise BadKey(f"{PUBLIC_KEY_VARIABLE}: {exc}") from None
    return AppKeys(mine, theirs, str(id_type))


def check_app(app: PlatformApp) -> str | None:
    """Why ``app`` cannot start, in one line naming the variable (the spec's ``check``)."""
    try:
        app_keys(app)
    except BadKey as exc:
        return str(exc)
    return None
