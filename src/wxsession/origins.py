"""Web origins (``scheme://host[:port]``) as settings name them and browsers send them.

One type for every setting that lists origins (``WXSESSION_CSRF_TRUSTED_ORIGINS``, and any
later list such as CORS origins), so they are written, checked and compared alike: lower
case, no path, no trailing slash, no wildcard, exactly as a browser's ``Origin`` header.
"""

from __future__ import annotations

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
