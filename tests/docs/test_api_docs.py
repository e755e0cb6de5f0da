"""docs/openapi.json and docs/api.md are generated: this fails when they are stale."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from tests.support.paths import ROOT

SCRIPT = ROOT / "scripts" / "gen_openapi.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_openapi", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_openapi", module)
    spec.loader.exec_module(module)
    return module


def test_generated_api_docs_are_current() -> None:
    for path, expected in _generator().outputs().items():
        assert path.exists(), f"{path.name} is missing: run scripts/gen_openapi.py"
        assert path.read_text(encoding="utf-8") == expected, (
            f"{path.name} is stale: run .venv/bin/python scripts/gen_openapi.py"
        )


def test_generated_api_docs_hold_every_route() -> None:
    schema = _generator().openapi()
    assert {"/v1/auth/wechat/login", "/v1/me", "/healthz", "/readyz", "/metrics"} <= set(
        schema["paths"]
    )
    assert not any(path.startswith("/_emulator") for path in schema["paths"])


def test_a_session_is_optional_for_logins_and_required_elsewhere() -> None:
    """A login ends the session it is sent with, if any; generated clients must not demand
    one (OpenAPI's ``{}`` alternative), while protected routes still do."""
    schema = _generator().openapi()
    paths = schema["paths"]
    for login in ("/v1/auth/wechat/login", "/v1/auth/password/login", "/v1/auth/{provider}/login"):
        assert paths[login]["post"]["security"] == [{}, {"session": []}], login
    assert paths["/v1/me"]["get"]["security"] == [{"session": []}]
    assert paths["/v1/auth/register"]["post"]["security"] == [{"session": []}]
    assert set(schema["components"]["securitySchemes"]) == {"session"}


def test_configuration_doc_names_every_setting() -> None:
    from wxsession.settings import Settings

    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [
        f"WXSESSION_{name.upper()}"
        for name in Settings.model_fields
        if f"`WXSESSION_{name.upper()}`" not in text
    ]
    assert not missing, f"docs/configuration.md does not describe {missing}"


def _shell_blocks(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    blocks = [part.split("```", 1)[0] for part in text.split("```sh\n")[1:]]
    # Comments are translated; the commands must be the same.
    return ["\n".join(line.split("  #")[0].rstrip() for line in b.splitlines()) for b in blocks]


def test_chinese_readme_has_the_same_quick_start() -> None:
    english = _shell_blocks(ROOT / "README.md")
    chinese = _shell_blocks(ROOT / "README.zh-CN.md")
    assert len(english) >= 4
    assert chinese[:4] == english[:4]
