"""The public face, ``wxsession/__init__.py``: its names are pinned, each resolves to the object
it stands for, and importing it stays cheap (names load on first use)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import wxsession

PUBLIC = ["ActiveSession", "Settings", "UserView", "WxSessionError", "create_app"]
"""Adding a name is a promise to users, removing one breaks them: change this list on purpose."""


def _loaded_after(code: str) -> set[str]:
    """The modules in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    script = f"import sys\n{code}\nprint(' '.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return set(result.stdout.split())


def test_all_is_pinned_and_sorted() -> None:
    assert wxsession.__all__ == PUBLIC
    assert sorted(wxsession.__all__) == wxsession.__all__


@pytest.mark.parametrize("name", PUBLIC)
def test_each_public_name_resolves_to_its_home(name: str) -> None:
    value = getattr(wxsession, name)
    home = sys.modules[value.__module__]
    assert getattr(home, name) is value
    assert name in dir(wxsession)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = wxsession.no_such_name
    with pytest.raises(ImportError):
        exec("from wxsession import no_such_name")  # noqa: S102


def test_importing_the_face_loads_nothing_else() -> None:
    loaded = _loaded_after("import wxsession")
    assert {name for name in loaded if name.startswith("wxsession")} == {"wxsession"}
    assert not loaded & {"pydantic", "sqlalchemy", "fastapi", "redis", "httpx"}


def test_a_name_loads_only_what_it_needs() -> None:
    """A Flask or Django app takes ``Settings`` from the face without loading FastAPI."""
    loaded = {name.partition(".")[0] for name in _loaded_after("from wxsession import Settings")}
    assert "pydantic_settings" in loaded
    assert not loaded & {"fastapi", "starlette", "flask", "django"}
