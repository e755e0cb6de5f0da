"""The Provider seam: how a login proof (a WeChat code, a password, ...) becomes an identity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, Protocol, TypeGuard, TypeVar

from wxsession.core.errors import InvalidRequest
from wxsession.core.identity import Identity
from wxsession.core.platform_errors import AppIdRequired, UnknownApp


class Provider(Protocol):
    """Turns a login proof into an :class:`Identity`, or raises a WxSessionError."""

    name: str

    async def exchange(self, proof: Mapping[str, Any]) -> Identity: ...


T = TypeVar("T")


class PlatformApps(Generic[T]):
    """One platform's providers (or browser authorize steps), one per configured app, by
    appid in the order configured: which of them a login's ``appid`` names. With one app
    the appid may be left out; with several it is required (no default app: a code sent to
    another app's exchange would only come back refused)."""

    def __init__(self, name: str, apps: Mapping[str, T]) -> None:
        self.name = name
        self.apps = dict(apps)
        self._only = next(iter(self.apps.items())) if len(self.apps) == 1 else None

    def pick(self, appid: object) -> tuple[str, T]:
        """``(appid, provider)`` of the app ``appid`` names (``None``: the only one), or 400
        ``UNKNOWN_APP`` / ``APPID_REQUIRED``; never a call to the platform."""
        if appid is None:
            if self._only is None:
                raise AppIdRequired()
            return self._only
        if not isinstance(appid, str) or appid not in self.apps:
            raise UnknownApp()
        return appid, self.apps[appid]

    def known(self, appid: object) -> str | None:
        """The appid :meth:`pick` would take, or ``None`` (for labels: never the client's
        text unless it is one of ours)."""
        if appid is None:
            return None if self._only is None else self._only[0]
        return appid if isinstance(appid, str) and appid in self.apps else None


def code_from(proof: Mapping[str, Any], source: str, max_length: int) -> str:
    """``proof["code"]`` if it is well formed, else 400 ``INVALID_REQUEST``: junk is refused
    before the platform is called, so it never spends the platform's quota."""
    code = proof.get("code")
    if not is_well_formed_code(code, max_length):
        raise InvalidRequest(
            f"'code' must be the string from {source}: 1 to {max_length} "
            "printable ASCII characters without spaces."
        )
    return code


def is_well_formed_code(code: object, max_length: int) -> TypeGuard[str]:
    """A non-empty string of at most ``max_length`` visible ASCII characters (``!`` to ``~``)."""
    return (
        isinstance(code, str)
        and 0 < len(code) <= max_length
        and all("!" <= char <= "~" for char in code)
    )
