"""``wxsession --help`` and each command's help, as a newcomer reads them: every command
listed, in plain words (no reStructuredText markup), and the emulator's defaults shown."""

from __future__ import annotations

import argparse
import re

import pytest

from wxsession import cli

MARKUP = re.compile(r"``|:(?:class|func|mod|meth|data|attr):`")


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exited:
        cli.main([*argv, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


def _leaf_commands(parser: argparse.ArgumentParser) -> list[tuple[str, ...]]:
    """Every runnable command, as the words typed after ``wxsession``."""
    leaves: list[tuple[str, ...]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = _leaf_commands(sub)
                leaves.extend([(name, *rest) for rest in nested] or [(name,)])
    return leaves


def test_help_lists_every_command_in_plain_words(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys)
    leaves = _leaf_commands(cli._parser())
    assert ("db", "upgrade") in leaves and ("admin", "sessions") in leaves
    listed = {
        tuple(line.strip().split("  ")[0].split())
        for line in text.splitlines()
        if line.startswith("  ") and not line.startswith("   ") and "--help" not in line
    }
    assert set(leaves) <= listed, f"not in wxsession --help: {set(leaves) - listed}"
    for command in [(), *leaves]:
        shown = text if command == () else _help(capsys, *command)
        assert not MARKUP.search(shown), (command, shown)


def test_emulator_help_shows_host_and_port_with_their_defaults(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = " ".join(_help(capsys, "emulator").split())
    assert "--host HOST bind address (default: 127.0.0.1)" in text
    assert "--port PORT port (default: 8081)" in text
