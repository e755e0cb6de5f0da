"""The Provider seam: how a login proof (a WeChat code, a password, ...) becomes an identity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeGuard

from wxsession.core.errors import InvalidRequest


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a provider says the caller is.

    ``(provider, app_id, subject)`` is the unique key of an identity: the same openid string
    from another appid is another person. ``session_key`` is the provider's per-login secret
    (WeChat's session_key), kept server-side only; ``repr`` hides it and the subject.
    ``nickname`` and ``avatar_url`` are what the platform says about the user (the WeChat App's
    userinfo), already checked; they fill a user's profile when the login registers one.
    """

    provider: str
    app_id: str
    subject: str = field(repr=False)
    union_id: str | None = field(default=None, repr=False)
    session_key: str | None = field(default=None, repr=False)
    nickname: str | None = field(default=None, repr=False)
    avatar_url: str | None = field(default=None, repr=False)

    @classmethod
    def from_code_login(cls, provider: str, app_id: str, answer: CodeLoginAnswer) -> Identity:
        """The identity a mini-program platform's code exchange (``answer``) names."""
        return cls(
            provider=provider,
            app_id=app_id,
            subject=answer.openid,
            union_id=answer.unionid,
            session_key=answer.session_key,
        )


class CodeLoginAnswer(Protocol):
    """What a code exchange answers (WeChat's jscode2session and the other mini programs' alike)."""

    @property
    def openid(self) -> str: ...
    @property
    def unionid(self) -> str | None: ...
    @property
    def session_key(self) -> str | None: ...


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
