"""The Provider seam: how a login proof (a WeChat code, a password, ...) becomes an identity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeGuard

from wxsession.core.errors import InvalidRequest
from wxsession.core.identity import Identity


class Provider(Protocol):
    """Turns a login proof into an :class:`Identity`, or raises a WxSessionError."""

    name: str

    async def exchange(self, proof: Mapping[str, Any]) -> Identity: ...


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
