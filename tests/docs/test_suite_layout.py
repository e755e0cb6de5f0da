"""The layout tests/__init__.py describes holds: a test file in a known place, under a unique
name, a unit test's folder mirroring a package of src/wxsession/, and fixtures reached through
the plugins of tests/support/ rather than by importing a conftest."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

from tests.support.paths import ROOT

TESTS = ROOT / "tests"
PLACES = {"unit", "contract", "api", "system", "docs"}


def suite_files() -> list[Path]:
    return sorted(TESTS.rglob("test_*.py"))


def test_every_test_file_is_in_a_known_place() -> None:
    stray = [
        str(p.relative_to(TESTS))
        for p in suite_files()
        if p.relative_to(TESTS).parts[0] not in PLACES
    ]
    assert stray == [], f"move these under tests/{{{','.join(sorted(PLACES))}}}/: {stray}"


def test_test_file_names_are_unique() -> None:
    names = Counter(p.name for p in suite_files())
    assert [name for name, count in names.items() if count > 1] == []


def test_unit_folders_mirror_the_source() -> None:
    source = ROOT / "src" / "wxsession"
    folders = [p.relative_to(TESTS / "unit") for p in (TESTS / "unit").rglob("*") if p.is_dir()]
    unmirrored = [str(f) for f in folders if f.name != "__pycache__" and not (source / f).is_dir()]
    assert unmirrored == []


def test_no_module_imports_a_conftest() -> None:
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if any("conftest" in name.split(".") for name in names):
                offenders.append(str(path.relative_to(TESTS)))
    assert offenders == []
