"""The core never imports a web framework; each adapter imports only its own."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "wxsession",
    "wxsession.services.current_user",
    "wxsession.sync",
    "wxsession.runtime",
    "wxsession.carriers",
    "wxsession.sessions.manager",
    "wxsession.integrations",
]


def _imported_after(modules: list[str]) -> set[str]:
    """Top-level packages loaded by importing ``modules`` in a fresh interpreter."""
    code = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in modules)
        + "print(' '.join(sorted({name.partition('.')[0] for name in sys.modules})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(result.stdout.split())


def test_core_imports_no_web_framework() -> None:
    loaded = _imported_after(CORE)
    assert "wxsession" in loaded
    assert not loaded & {"flask", "werkzeug", "django", "fastapi"}


def test_each_adapter_imports_only_its_framework() -> None:
    assert "django" not in _imported_after(["wxsession.integrations.flask"])
    assert "flask" not in _imported_after(["wxsession.integrations.django"])
