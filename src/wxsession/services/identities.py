"""A user's ways to sign in: list them, bind one more, unbind one.

Every change needs fresh proof of the account (:mod:`wxsession.services.reauth`) and answers
with a fresh session; a password is added by :meth:`PasswordService.add
<wxsession.services.passwords.PasswordService.add>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wxsession.accounts.models import IdentityRow
from wxsession.core.device import Device
from wxsession.core.errors import SessionInvalid
from wxsession.core.identity import Identity
from wxsession.core.session import ActiveSession, RegisteredSession
from wxsession.services.common import (
    CodeExchange,
    LoginResult,
    Starter,
    failure_reported,
    others,
    way_in,
)
from wxsession.services.events import (
    BindFailed,
    IdentityBound,
    IdentityUnbound,
    Observer,
    UnbindFailed,
)
from wxsession.services.reauth import Proof, Reauthenticator


class IdentityService:
    def __init__(
        self, exchange: CodeExchange, starter: Starter, reauth: Reauthenticator, emit: Observer
    ) -> None:
        self.exchange = exchange
        self.starter = starter
        self.accounts = starter.accounts
        self.reauth = reauth
        self.emit = emit

    async def list(self, active: RegisteredSession) -> list[IdentityRow]:
        """The caller's ways to sign in, oldest first."""
        return await self.accounts.identities(active.user_id)

    async def bind(
        self,
        active: RegisteredSession,
        provider_name: str,
        proof: Mapping[str, Any],
        device: Device,
        *,
        reauth: Proof | None,
    ) -> tuple[LoginResult, bool]:
        """Bind the identity behind ``proof`` to the caller's user, and whether it is new to
        them (``False``: it already was theirs). The proof is an authentication, so the caller
        gets a fresh session started through that identity and the presented one ends. It
        proves the new identity only: ``reauth`` must prove the account, checked first.

        An identity (or, when merging, a unionid) of another user is 409 ``IDENTITY_TAKEN``:
        nothing is merged. A second identity of the same provider and app is 409
        ``PROVIDER_ALREADY_BOUND``.
        """
        _, provider = self.exchange.provider(provider_name, proof.get("appid"))
        user_id = active.user_id
        async with failure_reported(self.emit, BindFailed, active, provider_name, device):
            await self.reauth.confirm(active, reauth, device)
            identity = await self.exchange(provider, proof, device)
            added = await self.accounts.bind(user_id, identity)
        if added:
            self.emit(
                IdentityBound(
                    user=user_id,
                    provider=identity.provider,
                    app=identity.app_id,
                    ip=device.ip,
                    session=active.fingerprint,
                )
            )
        return await self.starter.restart(active, identity, device), added

    async def unbind(
        self,
        active: RegisteredSession,
        provider_name: str,
        app_id: str | None,
        device: Device,
        *,
        reauth: Proof | None,
    ) -> LoginResult:
        """Remove one of the caller's ways to sign in, never the last (409
        ``LAST_SIGN_IN_METHOD``), once ``reauth`` proved the account. Like a password change,
        this ends every session of the user behind the revocation point (those started
        through the removed identity among them) and gives the caller a fresh one, named
        after a way in the user still has (:meth:`_kept_way_in`)."""
        user_id = active.user_id
        async with failure_reported(self.emit, UnbindFailed, active, provider_name, device):
            proven = await self.reauth.confirm(active, reauth, device)
            removed = await self.accounts.unbind(user_id, provider_name, app_id)
        ended = await self.starter.sessions.revoke_all(user_id)
        self.emit(
            IdentityUnbound(
                user=user_id,
                provider=removed.provider,
                app=removed.app_id,
                ip=device.ip,
                session=active.fingerprint,
                ended=others(ended),
            )
        )
        kept = await self._kept_way_in(user_id, (removed.provider, removed.app_id), active, proven)
        return await self.starter.restart(active, kept, device)

    async def _kept_way_in(
        self, user_id: str, removed: tuple[str, str], active: ActiveSession, proven: Identity
    ) -> Identity:
        """What the session after an unbind names: the caller's way in, or else the identity
        the re-authentication just proved, or else the user's oldest identity; never the one
        removed (a session names an identity the user has, e.g. for WeChat data)."""
        for way in (way_in(active), proven):
            if (way.provider, way.app_id) != removed:
                return Identity(provider=way.provider, app_id=way.app_id, subject="")
        remaining = await self.accounts.identities(user_id)
        if not remaining:  # deleted meanwhile
            raise SessionInvalid()
        return Identity(provider=remaining[0].provider, app_id=remaining[0].app_id, subject="")
