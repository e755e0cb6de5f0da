"""Where a verification code goes: a phone number or a mail address, in one spelling each.

One spelling per address, so the same person's counters, codes and identities never split
over two spellings: phones in E.164 (Google's ``phonenumbers`` parses and validates them; a
number without ``+`` is read as a mainland-China number, the common case of a mini program),
mail addresses with the domain lower-cased (the local part is the mail server's to
interpret, RFC 5321 section 2.4) and checked for shape only: whether it exists is what the
code proves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import phonenumbers

from wxsession.core.account_errors import EmailInvalid, PhoneInvalid

AddressKind = Literal["phone", "email"]

DEFAULT_REGION = "CN"
MAX_PHONE_TEXT = 32
MAX_EMAIL = 254
"""RFC 5321's limit on a path (4.5.3.1.3), which a mailbox must fit in."""
MAX_LOCAL = 64

_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


@dataclass(frozen=True, slots=True)
class Address:
    """A normalized address: build it with :func:`parse_phone` or :func:`parse_email`."""

    kind: AddressKind
    value: str


def parse_phone(text: str) -> Address:
    """``text`` as an E.164 phone number (``+8613800138000``); :class:`PhoneInvalid` if it
    is not a valid number."""
    if not isinstance(text, str) or len(text) > MAX_PHONE_TEXT:
        raise PhoneInvalid()
    try:
        number = phonenumbers.parse(text.strip(), DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise PhoneInvalid() from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneInvalid()
    return Address("phone", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def parse_email(text: str) -> Address:
    """``text`` as a mail address ``local@domain`` (an ASCII dot-atom local part, a domain
    of at least two labels), the domain lower-cased; :class:`EmailInvalid` otherwise. No
    display names, comments, quoted local parts or IP literals: nothing that can carry a
    header line."""
    if not isinstance(text, str):
        raise EmailInvalid()
    text = text.strip()
    local, at, domain = text.rpartition("@")
    domain = domain.lower().rstrip(".")
    if not at or len(text) > MAX_EMAIL or not 0 < len(local) <= MAX_LOCAL:
        raise EmailInvalid()
    if not _LOCAL.fullmatch(local) or ".." in local or local.startswith(".") or local.endswith("."):
        raise EmailInvalid()
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise EmailInvalid()
    if labels[-1].isdigit():
        raise EmailInvalid()
    return Address("email", f"{local}@{domain}")
