"""docs/architecture.md walks the package module by module: every path and dotted module it
names must exist, so the page cannot rot when a module moves.

Paths are read everywhere in the page (prose and text diagrams alike): ``sessions/store.py``
and ``platforms/qq/`` are relative to ``src/wxsession/``; those starting with a folder of
:data:`FROM_ROOT` to the repository. A bare file name (``wire.py``) must exist somewhere in
the package. ``wxsession.x.y`` is a module, or a module and one name in it.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.paths import ROOT

DOC = ROOT / "docs" / "architecture.md"
PACKAGE = ROOT / "src" / "wxsession"
FROM_ROOT = ("src/", "tests/", "docs/", "devtools/", "bench/", "scripts/", "examples/")

PATH = re.compile(r"(?<![\w/.<>-])(?:(?:[a-z_][\w-]*/)+(?:[\w-]+\.\w+)?|[a-z_]\w*\.py)(?![\w/])")
MODULE = re.compile(r"(?<![\w/.])wxsession(?:\.[a-z_]\w*)+")
LINK = re.compile(r"\]\(([\w./-]+\.md)(?:#([\w-]+))?\)")

PENDING: dict[str, str] = {
    "server/edge.py": "lands with the edge branch",
}
"""Paths of parts of issue 21 still in flight, named in sentences marked *(edge)*.
Once one exists this test fails: drop it here and re-read those sentences against the code."""


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def named_paths(text: str) -> set[str]:
    return {match.group(0) for match in PATH.finditer(text)}


def _exists(path: str) -> bool:
    if path.startswith(FROM_ROOT):
        return (ROOT / path).exists()
    if "/" not in path:
        return any(PACKAGE.rglob(path))
    return (PACKAGE / path).exists()


def _module_exists(dotted: str) -> bool:
    """``dotted`` is a module of the package, or a module and a name it defines."""
    parts = dotted.split(".")[1:]
    for size, name in ((len(parts), None), (len(parts) - 1, parts[-1])):
        base = PACKAGE.joinpath(*parts[:size])
        for source in (base.with_suffix(".py"), base / "__init__.py"):
            if source.is_file() and (name is None or name in source.read_text(encoding="utf-8")):
                return True
    return False


def _anchors(doc: Path) -> set[str]:
    """GitHub's anchors for ``doc``'s headings."""
    headings = re.findall(r"^#+ (.+)$", doc.read_text(encoding="utf-8"), re.MULTILINE)
    return {re.sub(r"[^\w -]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_the_page_names_the_house() -> None:
    """The extraction finds the modules the walk-through rests on (guards the regexes)."""
    paths = named_paths(_text())
    for path in ("platforms/__init__.py", "services/login.py", "sessions/store.py", "core/"):
        assert path in paths
    assert "wxsession.emulator" in MODULE.findall(_text())


def test_every_path_named_exists() -> None:
    missing = sorted(
        path for path in named_paths(_text()) if path not in PENDING and not _exists(path)
    )
    assert missing == [], f"docs/architecture.md names paths that do not exist: {missing}"


def test_every_module_named_exists() -> None:
    missing = sorted({m for m in MODULE.findall(_text()) if not _module_exists(m)})
    assert missing == [], f"docs/architecture.md names modules that do not exist: {missing}"


def test_pending_paths_have_not_landed() -> None:
    landed = [path for path in PENDING if _exists(path)]
    assert landed == [], f"landed: drop from PENDING and re-check their sentences: {landed}"


def test_links_reach_their_pages_and_headings() -> None:
    for page, anchor in LINK.findall(_text()):
        target = DOC.parent / page
        assert target.is_file(), page
        if anchor:
            assert anchor in _anchors(target), f"{page}#{anchor}"
