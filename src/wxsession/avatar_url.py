"""What an avatar URL may be: one rule for the API's bodies (``PUT /v1/me/profile``,
registration) and for what a platform reports (the WeChat App's ``headimgurl``).

Clients show the URL as an image source, so it must be an https URL on a real host name and
unable to break out of the markup around it. A regular expression is the rule because the
OpenAPI document carries it as the field's ``pattern``: clients, generated SDKs and the
schemathesis run see exactly what is accepted. (pydantic's ``HttpUrl`` would not do: it takes
``https://-/``, IP literals and user info, and percent-encodes quotes instead of refusing.)
"""

from __future__ import annotations

import re

MAX_AVATAR_URL_LENGTH = 1024

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PORT = r"(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
_URL_CHAR = r"(?:[A-Za-z0-9._~!$&*+,;=:@-]|%[0-9A-Fa-f]{2})"

AVATAR_URL_PATTERN = (
    rf"^https://(?:{_LABEL}\.)+[A-Za-z]{{2,63}}(?::{_PORT})?"
    rf"(?:/(?:{_URL_CHAR}|/)*)?(?:\?(?:{_URL_CHAR}|[/?])*)?(?:#(?:{_URL_CHAR}|[/?])*)?$"
)
"""An https URL naming a DNS host: labels of letters, digits and inner hyphens (at most 63
characters each), at least two of them, an alphabetic top-level domain, so never an IP
literal (``169.254.169.254``), ``localhost``, ``-`` or ``..``; no user info; a port from 1 to
65535. Path, query and fragment hold RFC 3986's characters (``%XX`` escapes included), less
the quotes, parentheses, backslash and angle brackets that would end an HTML attribute or a
CSS ``url()`` around it. WeChat's avatar URLs (``https://thirdwx.qlogo.cn/mmopen/...``) are
of this form."""

_AVATAR_URL = re.compile(AVATAR_URL_PATTERN)


def is_avatar_url(value: str) -> bool:
    """Whether ``value`` is an avatar URL by :data:`AVATAR_URL_PATTERN` and at most
    :data:`MAX_AVATAR_URL_LENGTH` characters."""
    return len(value) <= MAX_AVATAR_URL_LENGTH and _AVATAR_URL.fullmatch(value) is not None
