"""No module under ``src/wxsession`` is longer than 400 lines: past that, a module holds more
than one job, and a reader can no longer keep it in mind."""

from __future__ import annotations

from pathlib import Path

import wxsession

LIMIT = 400
SOURCE = Path(wxsession.__file__).parent

KNOWN_EXCEPTIONS: dict[str, str] = {}
"""Never add to it: split the module instead."""


def _lengths() -> dict[str, int]:
    return {
        path.relative_to(SOURCE).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(SOURCE.rglob("*.py"))
    }


def test_no_module_is_over_the_limit() -> None:
    too_long = {
        name: lines
        for name, lines in _lengths().items()
        if lines > LIMIT and name not in KNOWN_EXCEPTIONS
    }
    assert not too_long, f"modules over {LIMIT} lines (split them): {too_long}"


def test_each_known_exception_is_still_one() -> None:
    """A module split since (or gone) leaves the list, so the list only ever shrinks."""
    lengths = _lengths()
    stale = [name for name in KNOWN_EXCEPTIONS if lengths.get(name, 0) <= LIMIT]
    assert not stale, f"within {LIMIT} lines now or gone: remove from KNOWN_EXCEPTIONS: {stale}"
