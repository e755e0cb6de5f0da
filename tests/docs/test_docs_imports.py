"""What users read imports wxsession only through its public entry points: the face
(``from wxsession import ...``) and the framework adapters, each an entry point of its own
(``wxsession.integrations.fastapi``, ``.flask``, ``.django``: their names overlap, and each
imports its framework). Anything else in a README, the docs or an example would teach users
an internal path that may move."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import wxsession

ROOT = Path(__file__).parents[2]
ADAPTERS = ("fastapi", "flask", "django")
FENCE = re.compile(r"^```(?:python|py)\b[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _adapter_names(adapter: str) -> set[str]:
    """The adapter's ``__all__``, read from its source (importing it needs its framework)."""
    path = ROOT / "src" / "wxsession" / "integrations" / f"{adapter}.py"
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            return set(ast.literal_eval(node.value))
    raise AssertionError(f"{path} has no __all__")


def _sources() -> list[tuple[str, str]]:
    """(where, Python source) of every Python code block in the docs and of every example."""
    found: list[tuple[str, str]] = []
    for doc in [ROOT / "README.md", ROOT / "README.zh-CN.md", *sorted(ROOT.glob("docs/*.md"))]:
        text = doc.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((f"{doc.relative_to(ROOT)}:{line}", match.group(1)))
    for example in sorted((ROOT / "examples").rglob("*.py")):
        found.append((str(example.relative_to(ROOT)), example.read_text(encoding="utf-8")))
    return found


def _refusals(source: str) -> list[str]:
    """The wxsession imports in ``source`` that do not go through an entry point."""
    public = set(wxsession.__all__)
    refused: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            refused += [
                f"import {alias.name}"
                for alias in node.names
                if alias.name.startswith("wxsession.")
            ]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("wxsession"):
            module = node.module or ""
            names = {alias.name for alias in node.names}
            if module == "wxsession":
                allowed = public
            elif module == "wxsession.integrations":
                allowed = set(ADAPTERS)
            elif module.removeprefix("wxsession.integrations.") in ADAPTERS:
                allowed = _adapter_names(module.rpartition(".")[2])
            else:
                allowed = set()
            refused += [f"from {module} import {name}" for name in sorted(names - allowed)]
    return refused


SOURCES = _sources()


def test_the_docs_have_python_blocks_to_check() -> None:
    where = {place.partition(":")[0] for place, _ in SOURCES}
    assert {"README.md", "docs/integrations.md", "examples/fastapi_app/app.py"} <= where


@pytest.mark.parametrize(("where", "source"), SOURCES, ids=[where for where, _ in SOURCES])
def test_docs_and_examples_import_only_public_names(where: str, source: str) -> None:
    refused = _refusals(source)
    assert not refused, f"{where}: use `from wxsession import ...` or an adapter: {refused}"


def test_an_internal_path_is_refused() -> None:
    assert _refusals("from wxsession.accounts.models import User") == [
        "from wxsession.accounts.models import User"
    ]
    assert _refusals("from wxsession.integrations.flask import _runtime") == [
        "from wxsession.integrations.flask import _runtime"
    ]
    assert _refusals("from wxsession.integrations import fastapi as wxs") == []
