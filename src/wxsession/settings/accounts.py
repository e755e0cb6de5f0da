"""Who may sign up: one mixin of :class:`wxsession.settings.Settings` (issue 23).

``WXSESSION_REGISTRATION`` itself (``auto``, ``explicit``, ``closed``) is declared in
:mod:`wxsession.settings`; this holds what closed registration still lets in.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import NoDecode

from wxsession.core.account_errors import AddressInvalid
from wxsession.core.address import parse_email, parse_phone


class AccountSettings(BaseModel):
    """Closed registration's allow-list."""

    # With WXSESSION_REGISTRATION=closed, the addresses that may still register, comma
    # separated: phone numbers (E.164, or an 11-digit CN mobile), e-mail addresses, or
    # "@example.com" for every address of a domain. Only a way in that proves the address
    # (a phone or e-mail code, WeChat's phone number) can match; everything else is 403
    # REGISTRATION_CLOSED for a person not yet known.
    registration_allow: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("registration_allow", mode="before")
    @classmethod
    def _allow_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("registration_allow")
    @classmethod
    def _spelled_as_logins_spell_them(cls, entries: list[str]) -> list[str]:
        """Each entry as the service spells addresses, so a login's address matches it."""
        spelled = []
        for entry in entries:
            try:
                if entry.startswith("@"):
                    spelled.append("@" + parse_email("x" + entry).value.partition("@")[2])
                elif "@" in entry:
                    spelled.append(parse_email(entry).value)
                else:
                    spelled.append(parse_phone(entry).value)
            except AddressInvalid:
                raise ValueError(
                    "each entry must be a phone number, an e-mail address or @domain"
                ) from None
        return spelled
