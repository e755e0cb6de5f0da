"""Addresses get one spelling each (:mod:`wxsession.core.address`): phones in E.164, mail
domains lower-cased, and anything that cannot be one a 400 with a stable code."""

from __future__ import annotations

import pytest

from wxsession.core.account_errors import EmailInvalid, PhoneInvalid
from wxsession.core.address import Address, parse_email, parse_phone


@pytest.mark.parametrize(
    "text",
    ["13800138000", "+8613800138000", "+86 138 0013 8000", " 138-0013-8000 ", "008613800138000"],
)
def test_phones_are_spelled_in_e164_and_cn_is_the_default_region(text: str) -> None:
    assert parse_phone(text) == Address("phone", "+8613800138000")


def test_a_foreign_number_keeps_its_country() -> None:
    assert parse_phone("+1 650-253-0000").value == "+16502530000"


@pytest.mark.parametrize(
    "text", ["", "12345", "1380013800", "+86 138", "abc", "+999 1234567", "1" * 40, "\x00"]
)
def test_what_is_not_a_valid_number_is_phone_invalid(text: str) -> None:
    with pytest.raises(PhoneInvalid) as raised:
        parse_phone(text)
    assert (raised.value.status, raised.value.code) == (400, "PHONE_INVALID")


def test_mail_domains_are_lower_cased_and_local_parts_kept() -> None:
    assert parse_email(" Bob.Smith+x@Example.COM ") == Address("email", "Bob.Smith+x@example.com")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "bob",
        "@example.com",
        "bob@",
        "bob@localhost",
        "bob@example.123",
        "bob..x@example.com",
        ".bob@example.com",
        "bob@-example.com",
        "bob smith@example.com",
        '"bob"@example.com',
        "bob@[127.0.0.1]",
        "foo@ory.sh\r\nBcc: evil@x.com",
        "Bob <bob@example.com>",
        "a" * 65 + "@example.com",
        "b@" + "a" * 250 + ".com",
        "bob@exämple.com",
    ],
)
def test_what_cannot_carry_mail_safely_is_email_invalid(text: str) -> None:
    with pytest.raises(EmailInvalid) as raised:
        parse_email(text)
    assert (raised.value.status, raised.value.code) == (400, "EMAIL_INVALID")
