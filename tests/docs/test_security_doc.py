"""docs/security.md names the test behind each ASVS requirement: every name must exist."""

from __future__ import annotations

import re

from tests.support.paths import ROOT

DOC = ROOT / "docs" / "security.md"


def test_every_test_named_in_the_security_doc_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = re.findall(r"`(tests/[\w/]+\.py)::([\w:]+)`", text)
    assert len(named) >= 25
    for path, name in named:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert f"def {name.split('::')[-1]}(" in source, f"{path}::{name}"
    for requirement in [
        f"3.{group}.{item}"
        for group, item in [
            (1, 1),
            (2, 1),
            (2, 2),
            (2, 3),
            (2, 4),
            (3, 1),
            (3, 2),
            (3, 3),
            (3, 4),
            (4, 1),
            (4, 2),
            (4, 3),
            (4, 4),
            (4, 5),
            (5, 1),
            (5, 2),
            (5, 3),
            (6, 1),
            (6, 2),
            (7, 1),
        ]
    ]:
        assert f"| {requirement} |" in text, requirement
