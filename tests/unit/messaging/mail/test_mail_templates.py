"""Our mail (:mod:`wxsession.messaging.mail`): a text and an HTML part in English and
Chinese, the code on its own line in both, parameters escaped in the HTML."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from wxsession.core.address import parse_email
from wxsession.messaging import Locale, Message
from wxsession.messaging.mail import SmtpSender, SmtpServer
from wxsession.messaging.mail.templates import TEXTS, render, short_text

TO = parse_email("ann@example.com")


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_a_code_mail_has_both_parts_with_the_code(locale: Locale) -> None:
    sender = SmtpSender(SmtpServer("mail.example.com", 587), "svc <no-reply@example.com>")
    mime = sender.compose(Message(TO, "code", {"code": "042137", "minutes": "5"}, locale))
    parsed = email.message_from_bytes(mime.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["To"] == "ann@example.com"
    text = parsed.get_body(preferencelist=("plain",))
    page = parsed.get_body(preferencelist=("html",))
    assert text is not None and page is not None
    assert "042137" in text.get_content().splitlines()
    assert "<p>042137</p>" in page.get_content()
    assert parsed["Subject"] == TEXTS[("code", locale)].subject


def test_every_template_is_there_in_both_languages() -> None:
    for template in ("code", "password_reset"):
        for locale in ("en", "zh"):
            params = {"code": "123456", "minutes": "5"} if template == "code" else {}
            message = Message(TO, template, params, locale)  # type: ignore[arg-type]
            assert render(message).text.strip()
            assert short_text(message).strip()


def test_parameters_are_escaped_in_the_html_part() -> None:
    rendered = render(Message(TO, "code", {"code": "<b>1</b>", "minutes": "5"}))
    assert "<b>1</b>" not in rendered.html and "&lt;b&gt;1&lt;/b&gt;" in rendered.html
    assert "<b>1</b>" in rendered.text


def test_a_missing_parameter_is_an_error_not_a_blank() -> None:
    with pytest.raises(KeyError):
        render(Message(TO, "code", {"minutes": "5"}))
