"""Each platform's emulated answers stay an independent oracle: ``emulated.py`` imports the
emulator's core, its own platform's spec and outside libraries only, never our client-side
wire code or crypto."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import wxsession.platforms
from wxsession.emulator.platforms import EMULATED

HOMES = Path(wxsession.platforms.__file__).parent
MODULES = sorted(HOMES.glob("*/emulated.py"))


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.parent.name)
def test_an_emulated_module_imports_only_the_emulator_of_ours(path: Path) -> None:
    ours = {name for name in imported(path) if name.split(".")[0] == "wxsession"}
    own_spec = f"wxsession.platforms.{path.parent.name}"  # its name and prefix, plain data
    assert all(name.startswith("wxsession.emulator.") or name == own_spec for name in ours), ours


def test_every_emulated_module_is_mounted() -> None:
    assert sorted(platform.name for platform in EMULATED) == [path.parent.name for path in MODULES]
