"""The Provider seam: how a login proof (a WeChat code, a password, ...) becomes an identity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a provider says the caller is.

    ``(provider, app_id, subject)`` is the unique key of an identity: the same openid string
    from another appid is another person. ``session_key`` is the provider's per-login secret
    (WeChat's session_key), kept server-side only; ``repr`` hides it and the subject.
    """

    provider: str
    app_id: str
    subject: str = field(repr=False)
    union_id: str | None = field(default=None, repr=False)
    session_key: str | None = field(default=None, repr=False)


class Provider(Protocol):
    """Turns a login proof into an :class:`Identity`, or raises a WxSessionError."""

    name: str

    async def exchange(self, proof: Mapping[str, Any]) -> Identity: ...
