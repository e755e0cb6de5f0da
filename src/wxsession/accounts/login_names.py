"""The names a password account signs in with: a username or a phone number, normalised.

The normalised form is the identity's ``subject`` (provider ``password``, app ``local``), so
the unique key on identities is what makes ``Alice``, ``alice`` and a full-width ``Alice``
one account, and lets exactly one parallel registration of it win.

- Username: NFKC (full-width and compatibility forms fold to their plain ones), then
  ``casefold`` and strip. 3 to 32 characters of letters (any script), digits, ``_``, ``.``
  and ``-``, with at least one letter, so no username can look like a phone number.
- Phone: spaces, ``-``, ``.`` and brackets removed; ``+`` and 8 to 15 digits (E.164), or 11
  digits starting with ``1`` (a mainland China mobile number, stored as ``+86…``).

Both raise ``ValueError`` with a message fit for a 422 response (never echoing the value).
"""

from __future__ import annotations

import re
import unicodedata

PASSWORD_PROVIDER = "password"  # noqa: S105 - a provider name, not a secret
PASSWORD_APP_ID = "local"  # noqa: S105 - the app id of our own accounts

USERNAME_MIN = 3
USERNAME_MAX = 32
_PHONE_SEPARATORS = re.compile(r"[\s\-.()]")
_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
_CN_MOBILE = re.compile(r"1[0-9]{10}")


def normalise_username(raw: str) -> str:
    name = unicodedata.normalize("NFKC", raw).casefold().strip()
    if not USERNAME_MIN <= len(name) <= USERNAME_MAX:
        raise ValueError(f"username must be {USERNAME_MIN} to {USERNAME_MAX} characters")
    if not all(char.isalnum() or char in "_.-" for char in name):
        raise ValueError("username may hold only letters, digits, '_', '.' and '-'")
    if not any(char.isalpha() for char in name):
        raise ValueError("username must contain a letter")
    return name


def normalise_phone(raw: str) -> str:
    number = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    if _CN_MOBILE.fullmatch(number):
        return "+86" + number
    if _E164.fullmatch(number):
        return number
    raise ValueError("phone must be +<country code><number> (E.164) or an 11-digit CN mobile")
