"""The Chinese docs keep pace with the English ones: every route and every setting that one
language documents, the other does too (README.md and README.zh-CN.md; docs/X.md and
docs/zh-CN/X.md for the docs a Chinese team reads first). Prose may differ; names may not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.paths import ROOT

TRANSLATED = ("configuration.md", "login-methods.md", "client-sdk.md", "deployment.md")
PAIRS = [("README.md", "README.zh-CN.md")] + [
    (f"docs/{name}", f"docs/zh-CN/{name}") for name in TRANSLATED
]

_PATH = r"/(?:v1|_emulator|healthz|readyz|metrics|openapi\.json|docs|sns)(?:/[\w{}.\-]*)*"
"""The service's paths (its API, probes and docs) and the emulator's (control and WeChat's)."""
ROUTE = re.compile(rf"\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+{_PATH}")
"""A route as the docs name one: a method and a path (``GET /v1/me``), maybe across a line
break."""
PATH = re.compile(rf"(?<![\w/.:]){_PATH}")
"""A path of the service, with or without its method (the path is what both must name)."""
SETTING = re.compile(r"\bWXSESSION_[A-Z][A-Z0-9_]*[A-Z0-9]\b")


def _tidy(found: str) -> str:
    return " ".join(found.split()).rstrip(".-/") or found


def names(text: str) -> dict[str, set[str]]:
    """The routes, paths and settings a document names."""
    return {
        "route": {_tidy(m) for m in ROUTE.findall(text)},
        "path": {_tidy(m) for m in PATH.findall(text)},
        "setting": set(SETTING.findall(text)),
    }


def _read(relative: str) -> str:
    path = ROOT / relative
    assert path.exists(), f"{relative} is missing: it is the translation of a document we keep"
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("english", "chinese"), PAIRS, ids=[c for _, c in PAIRS])
def test_both_languages_document_the_same_routes_and_settings(english: str, chinese: str) -> None:
    en, zh = names(_read(english)), names(_read(chinese))
    problems = []
    for kind in ("route", "path", "setting"):
        for name in sorted(en[kind] - zh[kind]):
            problems.append(f"{chinese} lacks the {kind} `{name}` that {english} documents")
        for name in sorted(zh[kind] - en[kind]):
            problems.append(f"{english} lacks the {kind} `{name}` that {chinese} documents")
    assert not problems, (
        "document it in the other language too (same section; names unchanged):\n"
        + "\n".join(problems)
    )


def test_the_scanner_finds_what_the_docs_name() -> None:
    """The patterns above see routes, paths and settings however the docs write them."""
    text = (
        "| `GET /v1/auth/{provider}/authorize?return_to=` | `POST /_emulator/login {...}`, "
        "`/healthz`. Set `WXSESSION_DATA_KEYS` and WXSESSION_<平台>_APPS; see docs/x.md "
        "and http://localhost:8000/v1/me. DELETE\n/v1/sessions. `GET /sns/jscode2session`."
    )
    found = names(text)
    assert found["route"] == {
        "GET /v1/auth/{provider}/authorize",
        "POST /_emulator/login",
        "DELETE /v1/sessions",
        "GET /sns/jscode2session",
    }
    assert found["path"] == {
        "/v1/auth/{provider}/authorize",
        "/_emulator/login",
        "/healthz",
        "/v1/sessions",
        "/sns/jscode2session",
    }
    assert found["setting"] == {"WXSESSION_DATA_KEYS"}


def test_every_translated_doc_has_its_english_original() -> None:
    translated = sorted(p.name for p in (ROOT / "docs" / "zh-CN").glob("*.md"))
    assert translated == sorted(TRANSLATED), (
        "docs/zh-CN/ holds exactly the translations TRANSLATED lists (add a new one there)"
    )
    assert all((ROOT / "docs" / name).exists() for name in TRANSLATED)


def _anchors(path: Path) -> set[str]:
    """The anchors GitHub gives a Markdown file's headings (lower case, punctuation gone,
    spaces as hyphens; CJK characters kept)."""
    headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_chinese_docs_link_to_files_and_headings_that_exist() -> None:
    broken = []
    for _, chinese in PAIRS:
        base = (ROOT / chinese).parent
        for target, anchor in re.findall(r"\]\(([^)#:\s]*)(?:#([^)\s]*))?\)", _read(chinese)):
            path = (base / target) if target else ROOT / chinese
            if not path.exists():
                broken.append(f"{chinese}: {target} does not exist")
            elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
                broken.append(f"{chinese}: {target or chinese} has no heading #{anchor}")
    assert not broken, "\n".join(broken)
