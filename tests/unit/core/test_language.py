"""Accept-Language decides the language of an error's message, q-values honoured; the code
never changes with it."""

from __future__ import annotations

import pytest

from wxsession.core.account_errors import PasswordTooShort
from wxsession.core.errors import NotFound, SessionAmbiguous, SessionInvalid, ValidationFailed
from wxsession.core.language import chinese, localized, prefers_chinese
from wxsession.core.messages_zh import BY_CODE, BY_TEXT

CHINESE = [
    "zh",
    "zh-CN",
    "zh-Hans",
    "zh-Hans-CN",
    "zh-SG",
    "ZH-cn",
    "zh-CN,zh;q=0.9,en;q=0.8",
    "en;q=0.5, zh-CN",
    "fr, zh;q=0.3",  # no French here: Chinese beats the English nobody asked for
    "zh-TW, zh-CN;q=0.5",
    "de;q=0.9, *;q=0.1, zh;q=0.2",  # the wildcard gives English less than zh's own q
    " zh-CN ; q=1 , en ; q=0.999",
    "en;q=0.8, *;q=0.9",  # the wildcard stands for Chinese too
]
ENGLISH = [
    None,
    "",
    "*",
    "en",
    "en-US,en;q=0.9,zh-CN;q=0.8",
    "zh-CN;q=0.5, en",
    "zh;q=0",
    "zh-TW",
    "zh-Hant",
    "zh-HK, zh-MO",
    "fr",
    "zh;q=1.5",  # out of range: refused, not trusted
    "zh;q=abc",
    "zh;q=nan",
    ",,,;;;==",
    "zh-CN;q=0.9, *",  # the wildcard's q=1 stands for English, above zh-CN's 0.9
]


@pytest.mark.parametrize("header", CHINESE)
def test_chinese_is_chosen_when_the_client_prefers_it(header: str) -> None:
    assert prefers_chinese(header)


@pytest.mark.parametrize("header", ENGLISH)
def test_english_otherwise(header: str | None) -> None:
    assert not prefers_chinese(header)


def test_among_equal_qualities_the_first_listed_wins() -> None:
    assert prefers_chinese("zh, en")
    assert not prefers_chinese("en, zh")


def test_a_long_header_is_read_only_so_far() -> None:
    assert not prefers_chinese("fr," * 400 + "zh")
    assert prefers_chinese("zh," + "fr," * 400)


def test_the_code_stays_and_the_message_turns_chinese() -> None:
    error = SessionInvalid()
    english = localized(error, "en")
    chinese_body = localized(error, "zh-CN")
    assert english == error.to_dict()
    assert chinese_body["error"]["code"] == english["error"]["code"] == "SESSION_INVALID"
    assert chinese_body["error"]["message"] == BY_CODE["SESSION_INVALID"]
    assert error.message != BY_CODE["SESSION_INVALID"]  # the error itself is unchanged


def test_details_are_for_machines_and_stay() -> None:
    details = [{"loc": ["body", "code"], "msg": "Field required"}]
    body = localized(ValidationFailed(details=details), "zh")
    assert body["error"]["details"] == details
    assert body["error"]["message"] == BY_CODE["VALIDATION_ERROR"]


def test_a_subclass_with_its_own_text_keeps_it_in_chinese() -> None:
    body = localized(SessionAmbiguous(), "zh")
    assert body["error"]["code"] == "INVALID_REQUEST"
    assert body["error"]["message"] == BY_TEXT[SessionAmbiguous.default_message]
    assert body["error"]["message"] != BY_CODE["INVALID_REQUEST"]


def test_a_fixed_specific_message_has_its_own_chinese() -> None:
    assert chinese("NOT_FOUND", "No such session.") == BY_TEXT["No such session."]


def test_a_message_with_specifics_becomes_the_codes_message() -> None:
    error = NotFound("Unknown login provider 'nope'.")
    assert localized(error, "zh")["error"]["message"] == BY_CODE["NOT_FOUND"]
    assert localized(error, "en")["error"]["message"] == "Unknown login provider 'nope'."
    assert localized(PasswordTooShort(), "zh")["error"]["message"] == BY_CODE["PASSWORD_TOO_SHORT"]


def test_a_code_outside_the_catalogue_keeps_its_message() -> None:
    assert chinese("SOME_APP_CODE", "As the app wrote it.") == "As the app wrote it."
