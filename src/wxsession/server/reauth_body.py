"""The ``reauth`` field of sensitive request bodies (binding, unbinding, setting a password):
fresh proof of the account, checked by :mod:`wxsession.services.reauth`. One shape for every such
route, so a later one (change of phone or e-mail, deleting the account) takes it as it is."""

from __future__ import annotations

from pydantic import Field

from wxsession.platforms import PLATFORMS
from wxsession.server.schemas import AppId, Strict, Text
from wxsession.services.reauth import CodeProof, PasswordProof, Proof

REAUTH_DESCRIPTION = (
    "Fresh proof of the account, needed by every change of how one signs in: the current "
    'password (`{"password": "…"}`), or a fresh login code of a platform whose identity is '
    'already bound to this account (`{"provider": "wechat", "code": "<from wx.login()>"}`; '
    "wx.login() needs no user interaction, so a mini program can always send one). Without "
    "it: 401 `REAUTHENTICATION_REQUIRED`. A wrong password, or a code of a sign-in that is "
    "not this account's: 401 `REAUTHENTICATION_FAILED` (the same answer for both). Wrong "
    "passwords count with the password change's (429 `RATE_LIMITED` with `Retry-After`)."
)

NEEDS_REAUTH = (
    "Needs `reauth` in the body, fresh proof of the account (ASVS 3.7.1): a session alone "
    "cannot change how the account signs in. No proof: 401 `REAUTHENTICATION_REQUIRED`; "
    "refused proof: 401 `REAUTHENTICATION_FAILED`."
)


class PasswordProofIn(Strict):
    """The account's current password."""

    password: Text = Field(description="The current password, exactly as typed.")

    def proof(self) -> PasswordProof:
        return PasswordProof(self.password)


class CodeProofIn(Strict):
    """A fresh login code of an identity already bound to the account."""

    provider: str = Field(
        min_length=1,
        max_length=32,
        pattern=r"^[a-z0-9_]+$",
        description=f"The platform of the code: {', '.join(s.name for s in PLATFORMS)}.",
        examples=["wechat"],
    )
    code: str = Field(
        min_length=1,
        max_length=512,
        pattern=r"^[!-~]+$",
        description=(
            "A fresh login code of that platform, e.g. from wx.login(); it must be of an "
            "identity this account already has."
        ),
    )

    appid: AppId = None

    def proof(self) -> CodeProof:
        return CodeProof(self.provider, self.code, self.appid)


ReauthIn = PasswordProofIn | CodeProofIn


class ReauthFields(Strict):
    """A body carrying ``reauth``; optional in the schema so that its absence is the
    documented 401 ``REAUTHENTICATION_REQUIRED`` rather than a 422."""

    reauth: ReauthIn | None = Field(
        default=None,
        description=REAUTH_DESCRIPTION,
        examples=[{"provider": "wechat", "code": "0c3Xk1ll2Wq8Sd4Ex9000"}, {"password": "…"}],
    )

    def reauth_proof(self) -> Proof | None:
        return None if self.reauth is None else self.reauth.proof()


class UnbindIn(ReauthFields):
    """``DELETE /v1/me/identities/{provider}``: only the proof."""
