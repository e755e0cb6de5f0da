"""What the use case families share: the result of a login, starting a session (the last
step of every way in), and a platform's code exchange under the refused-code limit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from wxsession.accounts.login_names import PASSWORD_APP_ID, PASSWORD_PROVIDER
from wxsession.accounts.repository import AccountRepository
from wxsession.core import tokens
from wxsession.core.account_errors import AccountDisabled
from wxsession.core.device import Device
from wxsession.core.errors import NotFound, RateLimited, SessionInvalid
from wxsession.core.identity import Identity
from wxsession.core.session import ActiveSession, RegisteredSession
from wxsession.core.user import UserView
from wxsession.metrics import UNKNOWN_APP, UNKNOWN_PROVIDER
from wxsession.platforms.provider import PlatformApps, Provider
from wxsession.services.events import (
    ChangeFailed,
    CodeLoginFailed,
    CodeLoginThrottled,
    DisabledLoginRefused,
    LoggedIn,
    Observer,
    SessionEvicted,
)
from wxsession.sessions.manager import IssuedSession, SessionManager
from wxsession.throttle.codes import CodeLoginRefused, CodeLoginThrottle


@dataclass(frozen=True, slots=True)
class LoginResult:
    session: IssuedSession
    user: UserView | None

    @property
    def registered(self) -> bool:
        return self.user is not None


def others(ended: int | None) -> int | None:
    """How many sessions besides the caller's own an end-everywhere ended (``None``: the
    store's deletes are pending)."""
    return None if ended is None else max(ended - 1, 0)


def fingerprint(token: str | None) -> str | None:
    """A presented token named for the audit log (only if it has our shape: junk is not
    worth a name and must not be echoed)."""
    return tokens.fingerprint(token) if token and tokens.is_well_formed(token) else None


def reason(exc: Exception) -> str:
    """How a failure is named in the audit log: its error code, else its type."""
    return str(getattr(exc, "code", type(exc).__name__))


def password_identity(name: str) -> Identity:
    """``name`` is already normalised (see :mod:`wxsession.accounts.login_names`)."""
    return Identity(provider=PASSWORD_PROVIDER, app_id=PASSWORD_APP_ID, subject=name)


def way_in(active: ActiveSession) -> Identity:
    """The provider and app the caller's registered session came in through, for the fresh
    session that replaces it. That is all a registered session records (the identity row in
    SQL has the openid and keys), so the subject is left empty: nothing reads it."""
    record = active.record
    return Identity(provider=record.provider, app_id=record.app_id, subject="")


@asynccontextmanager
async def failure_reported(
    emit: Observer,
    failed: type[ChangeFailed],
    active: ActiveSession,
    provider: str,
    device: Device,
) -> AsyncIterator[None]:
    """Emit ``failed`` with the reason (the error code) when the block fails."""
    try:
        yield
    except Exception as exc:
        emit(
            failed(
                user=active.record.user_id,
                provider=provider,
                reason=reason(exc),
                ip=device.ip,
                session=active.fingerprint,
            )
        )
        raise


@contextmanager
def login_failure_reported(
    emit: Observer, provider: str, app: str, device: Device, presented: str | None
) -> Iterator[None]:
    """Emit :class:`CodeLoginFailed` with the reason when the block (a login's proof) fails."""
    try:
        yield
    except Exception as exc:
        emit(
            CodeLoginFailed(
                provider=provider,
                app=app,
                reason=reason(exc),
                ip=device.ip,
                presented=fingerprint(presented),
            )
        )
        raise


SHOWN_NAME_CHARS = 32
"""How much of an unknown provider name a 404 repeats: the name is the client's (a URL path
segment of any length)."""


def unknown_provider(name: str) -> NotFound:
    """404 naming the provider asked for, cut to :data:`SHOWN_NAME_CHARS` characters;
    ``repr`` escapes whatever in it is not printable."""
    shown = name if len(name) <= SHOWN_NAME_CHARS else name[:SHOWN_NAME_CHARS] + "…"
    return NotFound(f"Unknown login provider {shown!r}.")


class CodeExchange:
    """The configured platforms and their apps, and their exchange of a login code (for a
    login, a bind or a ``reauth`` proof) under the limit of refused codes per network."""

    def __init__(
        self,
        providers: Mapping[str, PlatformApps[Provider]],
        throttle: CodeLoginThrottle,
        emit: Observer,
    ) -> None:
        self.providers = dict(providers)
        self.throttle = throttle
        self.emit = emit

    def provider(self, name: str, appid: object = None) -> tuple[str, Provider]:
        """``(appid, provider)`` of the app ``appid`` names on platform ``name`` (``None``:
        its only app): 404 for an unknown platform, 400 ``UNKNOWN_APP`` or
        ``APPID_REQUIRED`` (:meth:`PlatformApps.pick`), all before any call."""
        apps = self.providers.get(name)
        if apps is None:
            raise unknown_provider(name)
        return apps.pick(appid)

    def labels(self, name: str, appid: object) -> tuple[str, str]:
        """The metrics labels of a login through ``name`` naming ``appid``: configured
        names and appids only, else ``unknown``."""
        apps = self.providers.get(name)
        if apps is None:
            return UNKNOWN_PROVIDER, UNKNOWN_APP
        return name, apps.known(appid) or UNKNOWN_APP

    async def __call__(
        self, provider: Provider, proof: Mapping[str, Any], device: Device
    ) -> Identity:
        """The platform's exchange of ``proof``, unless the client's network sent too many
        codes the platforms refused: then 429 ``RATE_LIMITED`` without calling it."""
        try:
            return await self.throttle.attempt(device.ip, partial(provider.exchange, proof))
        except CodeLoginRefused as refused:
            self.emit(
                CodeLoginThrottled(
                    provider=provider.name,
                    limit="code_ip",
                    ip=device.ip,
                    retry_after=refused.retry_after,
                )
            )
            raise RateLimited(
                "Too many refused login codes from your network. Try again later.",
                retry_after=refused.retry_after,
            ) from None


class Starter:
    """Issues the session every way in ends with, once the user may have one."""

    def __init__(
        self, accounts: AccountRepository, sessions: SessionManager, emit: Observer
    ) -> None:
        self.accounts = accounts
        self.sessions = sessions
        self.emit = emit

    async def start(
        self, identity: Identity, user: UserView | None, device: Device, presented: str | None
    ) -> LoginResult:
        """A new session for ``user`` (``None``: pending registration) through ``identity``;
        the ``presented`` token, if any, ends (every authentication issues a fresh token)."""
        if user is not None and user.disabled:
            self.emit(
                DisabledLoginRefused(
                    user=user.id,
                    provider=identity.provider,
                    reason=AccountDisabled.code,
                    ip=device.ip,
                )
            )
            raise AccountDisabled()
        issued = await self.sessions.create(
            identity, user.id if user else None, device, epoch=user.session_epoch if user else 0
        )
        if presented is not None:
            await self.sessions.end_token(presented)
        self.emit(
            LoggedIn(
                user=user.id if user else None,
                provider=identity.provider,
                app=identity.app_id,
                registered=user is not None,
                ip=device.ip,
                session=tokens.fingerprint(issued.token),
                replaced=fingerprint(presented),
                device=issued.record.user_agent,
            )
        )
        for evicted in issued.evicted:
            self.emit(
                SessionEvicted(user=evicted.user_id, ip=evicted.ip, public_id=evicted.public_id)
            )
        return LoginResult(session=issued, user=user)

    async def restart(
        self, active: RegisteredSession, identity: Identity, device: Device
    ) -> LoginResult:
        """A fresh session for the caller's user through ``identity``; ``active`` ends."""
        user = await self.accounts.get_user(active.user_id)
        if user is None:  # deleted meanwhile
            raise SessionInvalid()
        result = await self.start(identity, user, device, None)
        await self.sessions.end(active)
        return result
