"""Where a login or a request came from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Device:
    """Where a login came from, kept on the session for the user to review."""

    user_agent: str | None = None
    """The User-Agent header; a session keeps a short label of it
    (:mod:`wxsession.sessions.useragent`)."""
    ip: str | None = None
