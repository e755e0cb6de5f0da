"""Who a login says the caller is: the :class:`Identity` a provider hands the session layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


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
