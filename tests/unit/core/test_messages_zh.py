"""Every error code has a Chinese message, and the catalogue holds nothing stale. Helpers and
contributors adding an error code read the failure to know what to add, and where."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import wxsession.core
from tests.support.paths import ROOT
from wxsession.core.errors import WxSessionError
from wxsession.core.messages_zh import BY_CODE, BY_TEXT
from wxsession.server.errors import HTTP_CODES

CATALOGUE = "src/wxsession/core/messages_zh.py"


def _error_classes() -> list[type[WxSessionError]]:
    """Every error class: all live in ``core/*errors.py`` (test_error_tree.py holds that)."""
    for module in pkgutil.iter_modules(wxsession.core.__path__, "wxsession.core."):
        if module.name.endswith("errors"):
            importlib.import_module(module.name)

    def walk(cls: type[WxSessionError]) -> Iterator[type[WxSessionError]]:
        yield cls
        for sub in cls.__subclasses__():
            yield from walk(sub)

    return list(dict.fromkeys(walk(WxSessionError)))


def _code_home(cls: type[WxSessionError]) -> type[WxSessionError]:
    """The class that sets ``cls``'s code (its message is the code's message)."""
    return next(k for k in cls.__mro__ if "code" in vars(k))  # type: ignore[misc]


def test_every_error_code_has_a_chinese_message() -> None:
    codes = {cls.code: cls for cls in _error_classes()}
    codes.update({code: WxSessionError for code in [*HTTP_CODES.values(), "HTTP_ERROR"]})
    missing = [
        f'  "{code}": "<Chinese for: {cls.default_message}>",  # {cls.__module__}.{cls.__name__}'
        for code, cls in sorted(codes.items())
        if code not in BY_CODE
    ]
    assert not missing, (
        f"error codes without a Chinese message: add these lines to BY_CODE in {CATALOGUE}"
        " (a Chinese sentence a developer in China would write; codes, routes and API names"
        " unchanged):\n" + "\n".join(missing)
    )


def test_every_default_message_of_its_own_has_a_chinese_text() -> None:
    """A class whose default message is not its code's (``SessionAmbiguous``) needs its own
    Chinese, else a Chinese client would read the code's, less precise, message."""
    missing = [
        f'  "{cls.default_message}": "<Chinese>",  # {cls.__module__}.{cls.__name__}'
        for cls in _error_classes()
        if cls.default_message != _code_home(cls).default_message
        and cls.default_message not in BY_TEXT
    ]
    assert not missing, (
        f"these default messages differ from their code's: add each to BY_TEXT in {CATALOGUE}:\n"
        + "\n".join(missing)
    )


def _source_strings() -> set[str]:
    strings: set[str] = set()
    for path in Path(ROOT / "src" / "wxsession").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.add(node.value)
    return strings


def test_every_specific_text_is_still_raised_somewhere() -> None:
    stale = sorted(set(BY_TEXT) - _source_strings())
    assert not stale, f"no source holds these English messages now; update {CATALOGUE}: {stale}"


def test_no_code_in_the_catalogue_is_unknown() -> None:
    known = {cls.code for cls in _error_classes()} | {*HTTP_CODES.values(), "HTTP_ERROR"}
    assert set(BY_CODE) <= known, f"{CATALOGUE} has codes no error uses: {set(BY_CODE) - known}"


def test_chinese_messages_are_chinese_and_keep_their_names() -> None:
    for code, text in BY_CODE.items():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), code
        assert text.endswith("。"), f"{code}: end the sentence with 。"
