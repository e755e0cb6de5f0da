"""Web origins (``scheme://host[:port]``) as settings name them and browsers send them.

One type for every setting that lists origins (``WXSESSION_CSRF_TRUSTED_ORIGINS``, and any
later list such as CORS origins), so they are written, checked and compared alike: lower
case, no path, no trailing slash, no wildcard, exactly as a browser's ``Origin`` header.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator
from pydantic_settings import NoDecode


def normalize_origin(value: str) -> str:
    """``value`` as a browser would send it in ``Origin``, or ``ValueError`` if it is not
    one (a path, a wildcard, credentials: a list entry that could never match, or would
    match more than meant)."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        port = parts.port  # ValueError for a port that is not a number
    except ValueError:
        raise ValueError(f"{value!r} is not an origin (scheme://host[:port])") from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or "*" in text
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ValueError(f"{value!r} is not an origin (scheme://host[:port], no path)")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def _comma_separated(value: object) -> object:
    if isinstance(value, str):
        return [part for part in value.split(",") if part.strip()]
    return value


OriginList = Annotated[
    list[Annotated[str, AfterValidator(normalize_origin)]],
    NoDecode,
    BeforeValidator(_comma_separated),
]
"""A setting holding origins: a comma-separated variable or a list, each normalized."""


MAX_RETURN_TO = 2048


def safe_return_to(value: str, origins: Collection[str]) -> str | None:
    """``value`` if a browser may be sent there after signing in, else ``None`` (no open
    redirect): a path of this service (``/app?x=1``, never ``//host`` nor ``/\\host``, which
    browsers read as another host), or an http(s) URL whose origin is one of ``origins``
    (normalized, see :func:`normalize_origin`) and that names no user (``https://a@b``).
    Backslashes, spaces and control characters are refused anywhere: browsers strip or
    reinterpret them, so what was checked would not be where the browser goes."""
    if not 0 < len(value) <= MAX_RETURN_TO or any(c <= " " or c in "\\\x7f" for c in value):
        return None
    if value.startswith("/"):
        return None if value.startswith("//") else value
    try:
        parts = urlsplit(value)
        origin = normalize_origin(f"{parts.scheme}://{parts.netloc}")
    except ValueError:
        return None
    return value if origin in origins else None
