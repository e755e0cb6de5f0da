"""Secrets at rest: AES-256-GCM sealing under named keys (``WXSESSION_DATA_KEYS``).

The first key seals, every key opens, so keys rotate without a flag day: put the new key
first, keep the old one until ``wxsession admin rekey`` has moved every row (or the rows
have been rewritten by new logins), then drop it. A sealed value is its key id (stored
beside it) and a blob::

    version  1 byte (1)
    nonce    12 random bytes (os.urandom; NIST SP 800-38D bounds random nonces to 2^32
             seals per key, far beyond one login per user per day)
    sealed   ciphertext and its 16-byte tag

The associated data is the version, the key id and a caller's ``context`` (e.g. the row's
unique key), so a blob copied to another row, or relabelled with another key id, does not
open. Opening never raises: an unknown key id, a wrong key, a tampered or garbled value all
give ``None`` (the caller treats the secret as absent) and a warning naming only the key id.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

log = logging.getLogger("wxsession.data_keys")

VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
DEV_KID = "dev"
KID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
_URLSAFE = str.maketrans("-_", "+/")
_DEV_KEY = hashlib.sha256(b"wxsession dev-mode data key: public, not a secret").digest()


@dataclass(frozen=True, slots=True)
class Sealed:
    """A sealed secret: the id of the key that sealed it and the blob (see module doc)."""

    kid: str
    blob: bytes = b""

    def to_text(self) -> str:
        """One string (``kid:base64url``) for stores that keep text, e.g. a session record."""
        return f"{self.kid}:{base64.urlsafe_b64encode(self.blob).decode('ascii')}"

    @classmethod
    def from_text(cls, text: str) -> Sealed | None:
        """The value :meth:`to_text` wrote; ``None`` for anything else (e.g. a plaintext
        key in a record written before sealing)."""
        kid, colon, encoded = text.partition(":")
        if not colon:
            return None
        try:
            return cls(kid, base64.b64decode(encoded.translate(_URLSAFE), validate=True))
        except ValueError:  # binascii.Error, or text that is not ASCII
            return None


class DataKeys:
    """The configured data keys by id, in order: the first seals, all open."""

    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise ValueError("at least one data key is needed")
        kids = [kid for kid, _ in keys]
        if len(set(kids)) != len(kids):
            raise ValueError("a key id is listed twice")
        for position, (kid, key) in enumerate(keys, 1):
            if not KID_PATTERN.fullmatch(kid):
                raise ValueError(f"entry {position}: a key id is 1-32 of A-Z a-z 0-9 _ -")
            if len(key) != KEY_BYTES:
                raise ValueError(f"entry {position} ({kid}): the key must be {KEY_BYTES} bytes")
        self.current = kids[0]
        self._ciphers = {kid: AESGCM(key) for kid, key in keys}
        self._current_key = keys[0][1]

    @classmethod
    def parse(cls, text: str) -> DataKeys:
        """Keys from ``kid:base64key,kid:base64key`` (standard or URL-safe base64). A
        ``ValueError`` names the faulty entry by position and key id, never by its key."""
        keys: list[tuple[str, bytes]] = []
        for position, entry in enumerate((e.strip() for e in text.split(",") if e.strip()), 1):
            kid, colon, encoded = entry.partition(":")
            kid = kid.strip()
            if not colon:
                raise ValueError(f"entry {position}: write it as key_id:base64_key")
            if not KID_PATTERN.fullmatch(kid):  # checked first: only a valid id is echoed
                raise ValueError(f"entry {position}: a key id is 1-32 of A-Z a-z 0-9 _ -")
            try:
                key = base64.b64decode(encoded.strip().translate(_URLSAFE), validate=True)
            except ValueError:
                raise ValueError(f"entry {position} ({kid}): not base64") from None
            keys.append((kid, key))
        return cls(keys)

    @classmethod
    def from_setting(cls, value: SecretStr | None) -> DataKeys:
        """The keys ``WXSESSION_DATA_KEYS`` names, or dev mode's when it is unset (settings
        refuse an unset value next to WeChat credentials)."""
        return cls.dev() if value is None else cls.parse(value.get_secret_value())

    @classmethod
    def dev(cls) -> DataKeys:
        """Dev mode's fixed key (id ``dev``): public, so the same in every process and run;
        rows sealed under it read as absent once real keys replace it."""
        return cls([(DEV_KID, _DEV_KEY)])

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(self._ciphers)

    def seal(self, plaintext: str, context: bytes) -> Sealed:
        """``plaintext`` sealed under the current key, bound to ``context``."""
        nonce = os.urandom(NONCE_BYTES)
        header = bytes([VERSION])
        sealed = self._ciphers[self.current].encrypt(
            nonce, plaintext.encode("utf-8"), _associated(header, self.current, context)
        )
        return Sealed(self.current, header + nonce + sealed)

    def open(self, sealed: Sealed, context: bytes) -> str | None:
        """The plaintext, or ``None`` if it cannot be had (logged by key id and reason)."""
        cipher = self._ciphers.get(sealed.kid)
        blob = sealed.blob
        if cipher is None:
            reason = "no key with this id is configured"
        elif len(blob) < 1 + NONCE_BYTES or blob[0] != VERSION:
            reason = "not a sealed value of a known version"
        else:
            header, nonce, body = blob[:1], blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
            try:
                plaintext = cipher.decrypt(nonce, body, _associated(header, sealed.kid, context))
                return plaintext.decode("utf-8")
            except (InvalidTag, UnicodeDecodeError):
                reason = "it does not authenticate (a wrong key, or altered)"
        log.warning("a sealed secret under key id %r is unreadable: %s", sealed.kid, reason)
        return None

    def derive(self, label: bytes) -> bytes:
        """A 32-byte key for another use (``label`` names it), derived from the current key
        with HKDF-SHA256 (RFC 5869), so one setting serves both and neither key reveals the
        other. Rotating the data keys changes it: fine for short-lived secrets only (the
        verification codes' HMAC key; a code in flight then fails and is asked again)."""
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(
            self._current_key
        )

    def __repr__(self) -> str:
        return f"DataKeys(kids={self.kids!r})"


def context(*parts: str) -> bytes:
    """Associated data from ``parts``, each length-prefixed so no two lists give the same."""
    out = bytearray()
    for part in parts:
        encoded = part.encode("utf-8")
        out += len(encoded).to_bytes(4, "big") + encoded
    return bytes(out)


def _associated(header: bytes, kid: str, context: bytes) -> bytes:
    encoded = kid.encode("ascii")
    return header + bytes([len(encoded)]) + encoded + context
