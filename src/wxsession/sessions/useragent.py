"""What a session keeps of a login's User-Agent: a short device label such as
``"iPhone WeChat 8.0"``, not the header.

A full WeChat User-Agent is about 160 bytes; kept whole it would push a session's Redis
record past the 64 bytes under which a user's hash of sessions stays a compact listpack
(more than doubling its memory). The label says what a user reviewing their sessions needs
(which device, which app) in at most :data:`MAX_LABEL` bytes.
"""

from __future__ import annotations

import re

MAX_LABEL = 18
"""Bytes of UTF-8 a label may take (see :mod:`wxsession.sessions.packed` for the budget)."""

_PLATFORMS = (
    ("iPad", re.compile(r"\biPad\b")),
    ("iPhone", re.compile(r"\biPhone\b")),
    ("Harmony", re.compile(r"HarmonyOS|OpenHarmony")),
    ("Android", re.compile(r"\bAndroid\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("Mac", re.compile(r"\bMac OS X\b|\bMacintosh\b")),
    ("Linux", re.compile(r"\bLinux\b")),
)
_APPS = (  # the first that matches names the app; order matters (Edge also says Chrome)
    ("WeChat", re.compile(r"MicroMessenger/(\d+(?:\.\d+)?)")),
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/(\d+)")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"\b(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"\bVersion/(\d+)(?:\.\d+)* (?:Mobile/\S+ )?Safari/")),
)


def label(user_agent: str | None) -> str | None:
    """A short label for ``user_agent``: platform and app with its major version, or the
    header's first product token when neither is recognised; ``None`` for no header."""
    if not user_agent or not user_agent.strip():
        return None
    platform = next((name for name, shape in _PLATFORMS if shape.search(user_agent)), None)
    app = next(
        (f"{name} {found[1]}" for name, shape in _APPS if (found := shape.search(user_agent))),
        None,
    )
    parts = [part for part in (platform, app) if part]
    text = " ".join(parts) if parts else user_agent.split()[0]
    return _clip(text)


def _clip(text: str) -> str:
    """``text`` cut to :data:`MAX_LABEL` bytes of UTF-8, never inside a character."""
    return text.encode()[:MAX_LABEL].decode(errors="ignore")
