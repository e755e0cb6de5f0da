"""Binding a phone number or e-mail address to one's account, or changing it (issue 23
section 2): a code sent to the new address (purpose ``bind``) proves it, ``reauth`` proves
the account (:mod:`wxsession.services.reauth`), as every change of how one signs in needs.

Changing (the user had another address of that kind) replaces it in one transaction and
ends every session of the user, as an unbind does: the old address no longer signs in.
An address of another user is 409 ``IDENTITY_TAKEN``: nothing is merged.
"""

from __future__ import annotations

from wxsession.accounts.addresses import address_identity
from wxsession.core.address import Address
from wxsession.core.device import Device
from wxsession.core.session import RegisteredSession
from wxsession.services.codes import VerificationCodes
from wxsession.services.common import LoginResult, Starter, failure_reported
from wxsession.services.events import BindFailed, IdentityBound, Observer
from wxsession.services.reauth import Proof, Reauthenticator

CHANGED = "change"


class AddressBinding:
    def __init__(
        self, codes: VerificationCodes, starter: Starter, reauth: Reauthenticator, emit: Observer
    ) -> None:
        self.codes = codes
        self.starter = starter
        self.accounts = starter.accounts
        self.reauth = reauth
        self.emit = emit

    async def bind(
        self,
        active: RegisteredSession,
        address: Address,
        code: str,
        device: Device,
        *,
        reauth: Proof | None,
    ) -> LoginResult:
        """Bind (or change to) ``address``; a fresh session through it, the presented one
        ends (all of the user's, for a change)."""
        user_id = active.user_id
        identity = address_identity(address.kind, address.value)
        async with failure_reported(self.emit, BindFailed, active, address.kind, device):
            await self.reauth.confirm(active, reauth, device)
            await self.codes.consume(address, "bind", code, client_ip=device.ip)
            replaced = await self.accounts.set_address(user_id, identity)
        if replaced is not None:
            await self.starter.sessions.revoke_all(user_id)
        self.emit(
            IdentityBound(
                user=user_id,
                provider=identity.provider,
                app=identity.app_id,
                via="bind" if replaced is None else CHANGED,
                ip=device.ip,
                session=active.fingerprint,
            )
        )
        return await self.starter.restart(active, identity, device)
