"""No module under ``src/wxsession`` is longer than 400 lines: past that, a module holds more
than one job, and a reader can no longer keep it in mind."""

from __future__ import annotations

from pathlib import Path

import wxsession

LIMIT = 400
SOURCE = Path(wxsession.__file__).parent


def _lengths() -> dict[str, int]:
    return {
        path.relative_to(SOURCE).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(SOURCE.rglob("*.py"))
    }


def test_no_module_is_over_the_limit() -> None:
    too_long = {name: lines for name, lines in _lengths().items() if lines > LIMIT}
    assert not too_long, f"modules over {LIMIT} lines (split them): {too_long}"
