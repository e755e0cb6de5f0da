"""Session tokens: how they are made, checked for shape, stored and named in logs.

A token is 256 bits from :mod:`secrets`, URL-safe base64 without padding (43 characters).
The store never sees it: it keys records by :func:`storage_key`, a SHA-256, so a dump of the
store holds nothing a client could present. Logs name a token only by :func:`fingerprint`,
a hash in a different domain, so a log line cannot be turned into a store key either.
"""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 32
TOKEN_LENGTH = 43
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    """A fresh, unguessable session token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_well_formed(token: str) -> bool:
    """True when ``token`` has the exact shape :func:`new_token` produces.

    Checked before any hashing or store access, so junk (huge headers, control characters)
    costs nothing and never reaches a store.
    """
    return len(token) == TOKEN_LENGTH and _TOKEN_SHAPE.fullmatch(token) is not None


def storage_key(token: str) -> str:
    """The store key for a token: hex SHA-256. One-way, so stored keys are not credentials."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def fingerprint(token: str) -> str:
    """A short, non-reversible name for a token in logs and audit lines.

    Uses a separate hash domain from :func:`storage_key`, so a leaked log cannot be used to
    address a store record.
    """
    return hashlib.blake2s(token.encode("ascii"), digest_size=6, person=b"wxs-log").hexdigest()


def new_public_id() -> str:
    """An id for showing and managing a session without revealing its token.

    Hex, so it never starts with ``-`` (which command lines would read as an option).
    """
    return secrets.token_hex(12)
