"""The error tree in :mod:`wxsession.core.errors`' docstring is the code, both ways: every
class is in it under its real parent, and every line's status and code are the class's."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass

import wxsession
from wxsession.core import (
    account_errors,
    console_errors,
    errors,
    platform_errors,
    session_errors,
    sms_errors,
)
from wxsession.core.errors import WxSessionError

MODULES = (errors, platform_errors, account_errors, session_errors, sms_errors, console_errors)
LINE = re.compile(
    r"^(?P<indent>[ │├└─]*)(?P<name>[A-Za-z]+)"
    r"(?:\s+(?P<status>\d{3}|[45]xx)(?::\s.+|\s+(?P<code>[A-Z_]+)(?:\s\(.+\))?)?)?$"
)


@dataclass(frozen=True)
class Documented:
    name: str
    parent: str | None
    status: str | None
    code: str | None


def _tree() -> list[Documented]:
    doc = errors.__doc__ or ""
    _, _, tree = doc.partition("::\n\n")
    assert tree, "the docstring has no tree (a literal block after '::')"
    lines = [line.removeprefix("    ") for line in tree.splitlines() if line.strip()]
    documented: list[Documented] = []
    parents: list[str] = []
    for line in lines:
        match = LINE.match(line)
        assert match, f"cannot read this tree line: {line!r}"
        depth = len(match["indent"]) // 4
        assert depth <= len(parents), f"skips a level: {line!r}"
        parents[depth:] = [match["name"]]
        documented.append(
            Documented(
                name=match["name"],
                parent=parents[depth - 1] if depth else None,
                status=match["status"],
                code=match["code"],
            )
        )
    return documented


def _classes() -> dict[str, type[WxSessionError]]:
    found: dict[str, type[WxSessionError]] = {}
    for module in MODULES:
        for name, value in vars(module).items():
            is_error = isinstance(value, type) and issubclass(value, WxSessionError)
            if is_error and value.__module__ == module.__name__:
                found[name] = value
    return found


def test_every_error_class_is_in_the_tree_and_every_line_is_a_class() -> None:
    names = [line.name for line in _tree()]
    assert len(names) == len(set(names)), "a class is documented twice"
    assert set(names) == set(_classes())


def test_each_documented_parent_is_the_real_base() -> None:
    classes = _classes()
    for line in _tree():
        cls = classes[line.name]
        (base,) = cls.__bases__
        expected = line.parent or "Exception"
        assert base.__name__ == expected, f"{line.name} derives from {base.__name__}"


def test_each_documented_status_and_code_is_the_real_one() -> None:
    classes = _classes()
    for line in _tree():
        cls = classes[line.name]
        if line.status is None:
            assert cls is WxSessionError, f"{line.name}: the tree gives no status"
        elif line.status.endswith("xx"):
            assert str(cls.status)[0] == line.status[0], line.name
        else:
            assert cls.status == int(line.status), line.name
        if line.code is None:
            # A family, never raised itself: it fixes no code of its own.
            assert cls is WxSessionError or "code" not in vars(cls), (
                f"{line.name} has the code {cls.code} but the tree gives none"
            )
        else:
            assert cls.code == line.code, f"{line.name} has the code {cls.code}"


def _subclasses(cls: type[WxSessionError]) -> Iterator[type[WxSessionError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_error_class_lives_outside_the_tree() -> None:
    """An error defined anywhere else in the package would escape the tree and this test."""
    for module in pkgutil.walk_packages(wxsession.__path__, "wxsession."):
        if not module.name.startswith("wxsession.migrations."):  # Alembic's scripts
            importlib.import_module(module.name)
    homes = {module.__name__ for module in MODULES}
    elsewhere = [cls for cls in _subclasses(WxSessionError) if cls.__module__ not in homes]
    assert not elsewhere
