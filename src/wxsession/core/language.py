"""Which language an error message is written in: English, or Simplified Chinese when the
request's ``Accept-Language`` prefers it (RFC 9110 section 12.5.4, q-values honoured).

Only error rendering asks (a valid request never parses the header); the answer for a given
header is cached, so a client that keeps failing costs one parse. Codes never change with the
language: clients branch on ``code``, people read ``message``.
"""

from __future__ import annotations

import functools
from typing import Any

from wxsession.core.errors import WxSessionError
from wxsession.core.messages_zh import BY_CODE, BY_TEXT

MAX_HEADER = 512
"""Longer headers are read only this far: a real browser's list is far shorter."""

_TRADITIONAL_REGIONS = frozenset({"tw", "hk", "mo"})


def _language(tag: str) -> str | None:
    """``"zh"`` for a Simplified Chinese tag (``zh``, ``zh-CN``, ``zh-Hans``, ``zh-SG``),
    ``"en"`` for English, ``"*"`` for the wildcard; ``None`` for anything else, Traditional
    Chinese (``zh-TW``, ``zh-Hant``) included: we have no Traditional text to offer."""
    subtags = tag.split("-")
    if subtags[0] == "zh":
        rest = set(subtags[1:])
        if "hans" in rest:
            return "zh"
        return None if "hant" in rest or rest & _TRADITIONAL_REGIONS else "zh"
    if subtags[0] in ("en", "*"):
        return subtags[0]
    return None


def _quality(params: str) -> float:
    """The ``q`` of one list item (1 when absent; 0, i.e. refused, when malformed)."""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return 0.0
            return q if 0.0 <= q <= 1.0 else 0.0
    return 1.0


@functools.lru_cache(maxsize=256)
def _prefers_chinese(header: str) -> bool:
    best: dict[str, tuple[float, int]] = {}
    for position, item in enumerate(header.lower().split(",")):
        tag, _, params = item.partition(";")
        language = _language(tag.strip())
        if language is None:
            continue
        q = _quality(params)
        # The highest q of each language; among equals, the one listed first.
        if language not in best or q > best[language][0]:
            best[language] = (q, -position)
    wildcard = best.get("*", (0.0, 0))
    chinese = best.get("zh", wildcard)
    english = best.get("en", wildcard)
    return chinese[0] > 0 and chinese > english


def prefers_chinese(accept_language: str | None) -> bool:
    """Whether a client sending this ``Accept-Language`` reads Chinese rather than English:
    ``zh-CN,zh;q=0.9,en;q=0.8`` yes, ``en,zh;q=0.5`` no, ``fr,zh;q=0.3`` yes (we have no
    French), none or ``*`` no (English is the default)."""
    return accept_language is not None and _prefers_chinese(accept_language[:MAX_HEADER])


def chinese(code: str, message: str) -> str:
    """``message`` (of an error with ``code``) in Chinese: the catalogue's text for this exact
    message when it has one (a subclass's own default, a fixed message wxsession raises),
    else the code's Chinese message. A message carrying specifics (a provider's name, an
    app's own wording) thus becomes the code's message: the client sent those specifics
    itself, and the code says what to do. A code outside the catalogue keeps its message."""
    return BY_TEXT.get(message) or BY_CODE.get(code, message)


def localized(error: WxSessionError, accept_language: str | None) -> dict[str, Any]:
    """``error.to_dict()``, its message in the language the request prefers (``details``,
    being for machines, stay as they are)."""
    body = error.to_dict()
    if prefers_chinese(accept_language):
        body["error"]["message"] = chinese(error.code, error.message)
    return body
