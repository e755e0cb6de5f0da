"""Our mail texts, in English and Chinese: a subject, a plain-text part and an HTML part.

Parameters are escaped for the HTML part, and the code stands alone on its line in both, so
mail clients (and the emulator's outbox) find it. Nothing else in a message is six digits.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from string import Template as Text

from wxsession.messaging import Locale, Message, Template


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class _Texts:
    subject: str
    lines: tuple[str, ...]
    """Paragraphs; ``$code`` and ``$minutes`` are replaced."""


TEXTS: Mapping[tuple[Template, Locale], _Texts] = {
    ("code", "en"): _Texts(
        "Your verification code",
        (
            "Your verification code is:",
            "$code",
            "It is valid for $minutes minutes and works once. If you did not ask for it, "
            "ignore this mail: nobody can use it without you.",
        ),
    ),
    ("code", "zh"): _Texts(
        "您的验证码",
        (
            "您的验证码是：",
            "$code",
            "$minutes 分钟内有效，仅可使用一次。如非本人操作，请忽略本邮件。",
        ),
    ),
    ("password_reset", "en"): _Texts(
        "Your password was reset",
        (
            "The password of your account was just reset, and every session of it was signed out.",
            "If this was not you, reset it again at once with a new code, and tell us.",
        ),
    ),
    ("password_reset", "zh"): _Texts(
        "您的密码已重置",
        (
            "您账号的密码刚刚被重置，所有登录状态均已退出。",
            "如非本人操作，请立即用新的验证码重新设置密码，并联系我们。",
        ),
    ),
}


SHORT: Mapping[tuple[Template, Locale], str] = {
    ("code", "en"): "Your verification code is $code. It is valid for $minutes minutes.",
    ("code", "zh"): "您的验证码为$code，$minutes分钟内有效。如非本人操作，请忽略。",
    ("password_reset", "en"): "Your password was just reset. Not you? Reset it again at once.",
    ("password_reset", "zh"): "您的密码刚刚被重置。如非本人操作，请立即重新设置。",
}
"""One line per template, for a text message (dev mode's SMS stand-in)."""


def short_text(message: Message) -> str:
    """``message`` as one line of text."""
    return Text(SHORT[(message.template, message.locale)]).substitute(message.params)


def render(message: Message) -> Rendered:
    """``message`` as mail; a ``KeyError`` for a parameter its template needs and lacks."""
    texts = TEXTS[(message.template, message.locale)]
    plain = [Text(line).substitute(message.params) for line in texts.lines]
    escaped = {name: html.escape(value) for name, value in message.params.items()}
    marked = [Text(line).substitute(escaped) for line in texts.lines]
    body = "".join(f"<p>{line}</p>\n" for line in marked)
    lang = "zh-CN" if message.locale == "zh" else "en"
    page = (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(texts.subject)}</title></head>\n<body>\n{body}</body></html>\n"
    )
    return Rendered(texts.subject, "\n\n".join(plain) + "\n", page)
