"""Each platform's emulated answers stay an independent oracle: ``emulated.py`` imports the
emulator's core, its own platform's spec, answers shared by several platforms (an
``emulated.py`` outside any home, such as ``wechat_sns/``, held to the same rule) and outside
libraries only, never our client-side wire code or crypto."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import wxsession.platforms
from wxsession.emulator.platforms import EMULATED
from wxsession.platforms import PLATFORMS

HOMES = Path(wxsession.platforms.__file__).parent
MODULES = sorted(HOMES.glob("*/emulated.py"))
NAMES = {spec.name for spec in PLATFORMS}
SHARED = {f"wxsession.platforms.{p.parent.name}.emulated" for p in MODULES} - {
    f"wxsession.platforms.{name}.emulated" for name in NAMES
}


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
    allowed = {own_spec, *SHARED}
    assert all(name.startswith("wxsession.emulator.") or name in allowed for name in ours), ours


def test_every_emulated_module_is_mounted() -> None:
    homes = [path.parent.name for path in MODULES if path.parent.name in NAMES]
    assert sorted(platform.name for platform in EMULATED) == homes
