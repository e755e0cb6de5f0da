"""One home per login platform (issue 21): a platform is its folder under
``wxsession/platforms/`` and its line in ``wxsession.platforms.PLATFORMS``, so nothing else in
the package names it. Settings, the registry, the CLI and the API texts read the list.

The service's own mini program (``wechat``) is the product's word (``/v1/wechat/...``,
``WECHAT_*`` codes, ``session_key``), so for it only imports of its home are checked, against
the short list below of what the core product uses.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import wxsession
from wxsession.platforms import OTHERS, OWN, PLATFORMS
from wxsession.platforms.spec import PlatformSpec

PACKAGE = Path(wxsession.__file__).parent
LIST = PACKAGE / "platforms" / "__init__.py"

EXCLUDED = {
    # History: a migration keeps the names it was written with, whatever the list says later.
    "migrations/": "history",
    # Stored data: the byte that codes a provider in a packed Redis session (wechat_app is 2)
    # must never move with the list, like a migration.
    "sessions/packed.py": "stored format",
}

WECHAT_IMPORTERS = {
    "migrate.py": "registers the access-token table with every other table for migrations",
    "runtime.py": "builds the WeChat client, access tokens and the mini program's provider",
    "server/wechat_routes.py": "open data needs crypto, the access token and the client",
}
"""Modules outside ``platforms/wechat/`` that import it, each for the core product."""


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _relative(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _home(spec: PlatformSpec) -> str:
    return f"platforms/{spec.name}/"


def _outside(spec: PlatformSpec, path: Path, excluded: dict[str, str]) -> bool:
    relative = _relative(path)
    if path == LIST or relative.startswith(_home(spec)):
        return False
    return not any(relative.startswith(prefix) for prefix in excluded)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports (``from a import b``: both ``a`` and ``a.b``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _imports_home(path: Path, spec: PlatformSpec) -> bool:
    home = f"wxsession.platforms.{spec.name}"
    return any(name == home or name.startswith(home + ".") for name in _imports(path))


def _mention(spec: PlatformSpec) -> re.Pattern[str]:
    """The platform's name as a word; after a dot it is part of a host name
    (``api.weixin.qq.com`` is WeChat's host), not a mention of the platform."""
    return re.compile(rf"(?<![\w.]){re.escape(spec.name)}\b", re.IGNORECASE)


def test_every_platform_has_its_home() -> None:
    for spec in PLATFORMS:
        assert (PACKAGE / _home(spec) / "__init__.py").is_file(), spec.name
    assert len({spec.name for spec in PLATFORMS}) == len(PLATFORMS)


@pytest.mark.parametrize("spec", OTHERS, ids=lambda spec: spec.name)
def test_only_its_home_and_the_list_name_a_platform(spec: PlatformSpec) -> None:
    mention = _mention(spec)
    offenders = [
        f"{_relative(path)}:{number}: {line.strip()}"
        for path in _modules()
        if _outside(spec, path, EXCLUDED)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if mention.search(line)
    ]
    offenders += [
        f"{_relative(path)} imports its home"
        for path in _modules()
        if _outside(spec, path, EXCLUDED) and _imports_home(path, spec)
    ]
    assert offenders == []


def test_only_the_core_product_imports_the_mini_program_home() -> None:
    importers = {
        _relative(path)
        for path in _modules()
        if _outside(OWN, path, {"migrations/": "history"}) and _imports_home(path, OWN)
    }
    assert importers == set(WECHAT_IMPORTERS)


def test_the_check_sees_a_mention() -> None:
    """The pattern catches a name in code, strings and comments, and skips host names."""
    for spec in OTHERS:
        mention = _mention(spec)
        assert mention.search(f"x = '{spec.name}'  # via {spec.name.upper()}")
        assert mention.search(f"``{spec.name}.login()``")
        assert not mention.search(f"https://api.{spec.name}.example.com")
        assert not mention.search(f"WXSESSION_{spec.name.upper()}_APPID")
