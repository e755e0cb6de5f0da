"""Alipay keys for the tests: an app key pair made for this run (so nothing passes only
because the dev keys are known), a private key that is not the app's, and the public key
the emulator signs its answers against (Alipay's, to the service)."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from wxsession.platforms.alipay.dev_keys import EMULATOR_PUBLIC_KEY


def key_pair(bits: int = 2048) -> tuple[str, str]:
    """A fresh RSA key pair as PEM texts: (PKCS#8 private, SubjectPublicKeyInfo public)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


APP_PRIVATE_KEY, APP_PUBLIC_KEY = key_pair()
OTHER_PRIVATE_KEY, OTHER_PUBLIC_KEY = key_pair()
ALIPAY_PUBLIC_KEY = EMULATOR_PUBLIC_KEY
ALIPAY = ("2021004100000001", APP_PRIVATE_KEY)
"""The tests' Alipay app: its APPID and private key (the emulator knows its public key)."""
