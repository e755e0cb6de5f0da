"""Password accounts: register, log in, change the password, add one to an account."""

from __future__ import annotations

from wxsession.accounts.addresses import address_identity
from wxsession.accounts.login_names import PASSWORD_APP_ID, PASSWORD_PROVIDER
from wxsession.accounts.passwords import PasswordHasher, check_new_password
from wxsession.core.account_errors import CurrentPasswordIncorrect, PasswordNotSet
from wxsession.core.address import Address
from wxsession.core.device import Device
from wxsession.core.errors import InvalidCredentials, RateLimited, SessionInvalid
from wxsession.core.identity import Identity
from wxsession.core.session import RegisteredSession
from wxsession.metrics import Metrics
from wxsession.services.codes import VerificationCodes
from wxsession.services.common import (
    LoginResult,
    Starter,
    failure_reported,
    fingerprint,
    others,
    password_identity,
    way_in,
)
from wxsession.services.events import (
    BindFailed,
    IdentityBound,
    Observer,
    PasswordChanged,
    PasswordChangeFailed,
    PasswordChangeThrottled,
    PasswordLoginFailed,
    PasswordLoginThrottled,
    PasswordRegistered,
)
from wxsession.services.reauth import Proof, Reauthenticator
from wxsession.services.registration_policy import RegistrationGate
from wxsession.throttle import LoginThrottle


class PasswordService:
    def __init__(
        self,
        starter: Starter,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        reauth: Reauthenticator,
        metrics: Metrics,
        emit: Observer,
        registration: RegistrationGate,
        codes: VerificationCodes,
    ) -> None:
        self.starter = starter
        self.codes = codes
        self.accounts = starter.accounts
        self.hasher = hasher
        self.throttle = throttle
        self.reauth = reauth
        self.metrics = metrics
        self.emit = emit
        self.registration = registration

    async def register(
        self,
        name: str,
        password: str,
        device: Device,
        *,
        phone: Address | None = None,
        code: str | None = None,
    ) -> LoginResult:
        """Create a password account named ``name`` (normalised) and start its first session.

        A phone number as the name must be proven by ``code`` (sent to ``phone`` for
        ``register``), so no one can claim another person's number; it then signs in by
        code too (a ``phone`` identity). The policy check comes before any hashing; a taken
        name is 409 ``IDENTITY_TAKEN``. While registration is closed: 403
        ``REGISTRATION_CLOSED``, but for an allow-listed phone.
        """
        self.registration.check(PASSWORD_PROVIDER, device, None if phone is None else phone.value)
        check_new_password(password)
        identity = password_identity(name)
        extra: tuple[Identity, ...] = ()
        if phone is not None:
            await self.codes.consume(phone, "register", code or "", client_ip=device.ip)
            extra = (address_identity(phone.kind, phone.value),)
        user = await self.accounts.register_with_password(
            identity, await self.hasher.hash(password), extra
        )
        self.emit(PasswordRegistered(user=user.id, provider=PASSWORD_PROVIDER, ip=device.ip))
        return await self.starter.start(identity, user, device, None)

    async def login(
        self, name: str, password: str, *, device: Device, presented_token: str | None = None
    ) -> LoginResult:
        """Sign in with a name and password. An unknown name verifies against a dummy hash,
        so it costs the same and answers the same 401 as a wrong password. Failures are
        throttled per account and IP and per account (429 ``RATE_LIMITED``, before any
        hashing, alike for known and unknown names); they never throttle a code login."""
        return await self.metrics.observe_login(
            PASSWORD_PROVIDER, PASSWORD_APP_ID, self._login(name, password, device, presented_token)
        )

    async def _login(
        self, name: str, password: str, device: Device, presented_token: str | None
    ) -> LoginResult:
        refused = await self.throttle.reserve(name, device.ip)
        if refused is not None:  # before any lookup or hashing, alike for every name
            self.emit(
                PasswordLoginThrottled(
                    provider=PASSWORD_PROVIDER,
                    limit=refused.limit.value,
                    account=refused.account,
                    ip=device.ip,
                    retry_after=refused.retry_after,
                )
            )
            raise RateLimited(
                "Too many failed logins. Try again later.", retry_after=refused.retry_after
            )
        identity = password_identity(name)
        found = await self.accounts.password_login(identity)
        stored = found[1] if found else await self.hasher.dummy_hash()
        if not await self.hasher.verify(stored, password) or found is None:
            self.emit(  # the log may name the user; the response never does
                PasswordLoginFailed(
                    user=found[0].id if found else None,
                    provider=PASSWORD_PROVIDER,
                    reason=InvalidCredentials.code,
                    ip=device.ip,
                    presented=fingerprint(presented_token),
                )
            )
            raise InvalidCredentials()
        await self.throttle.succeeded(name, device.ip)
        user = found[0]
        if self.hasher.needs_rehash(stored):
            await self.accounts.set_password_hash(user.id, await self.hasher.hash(password))
        return await self.starter.start(identity, user, device, presented_token)

    async def change(
        self, active: RegisteredSession, current: str, new: str, device: Device
    ) -> LoginResult:
        """Set a new password after checking the current one, then end every other session
        of the user behind the revocation point and issue the caller a fresh session.

        Wrong current passwords are throttled like password logins, per user and IP and per
        user (429 ``RATE_LIMITED`` before any hashing), so a stolen session cannot be used to
        guess the password. The current password is this route's re-authentication proof,
        checked like a ``reauth`` password (:mod:`wxsession.services.reauth`), in the same
        windows."""
        user_id = active.user_id
        check_new_password(new)
        stored = await self.accounts.password_hash(user_id)
        if stored is None:
            raise PasswordNotSet()
        if not await self.reauth.password_matches(
            active, stored, current, device, PasswordChangeThrottled
        ):
            self.emit(
                PasswordChangeFailed(
                    user=user_id,
                    reason=CurrentPasswordIncorrect.code,
                    ip=device.ip,
                    session=active.fingerprint,
                )
            )
            raise CurrentPasswordIncorrect()
        await self.accounts.set_password_hash(user_id, await self.hasher.hash(new))
        ended = await self.starter.sessions.revoke_all(user_id)
        self.emit(
            PasswordChanged(
                user=user_id, ip=device.ip, session=active.fingerprint, ended=others(ended)
            )
        )
        user = await self.accounts.get_user(user_id)
        if user is None:  # deleted meanwhile
            raise SessionInvalid()
        return await self.starter.start(way_in(active), user, device, None)

    async def add(
        self,
        active: RegisteredSession,
        name: str,
        password: str,
        device: Device,
        *,
        reauth: Proof | None,
    ) -> LoginResult:
        """Give the caller's user (one without a password) a login name and password, then a
        fresh session through it. A user with a password changes it instead (409). ``reauth``
        proves the account first (a code: the user has no password yet)."""
        user_id = active.user_id
        identity = password_identity(name)
        async with failure_reported(self.emit, BindFailed, active, PASSWORD_PROVIDER, device):
            check_new_password(password)
            await self.reauth.confirm(active, reauth, device)
            password_hash = await self.hasher.hash(password)
            await self.accounts.add_password(user_id, identity, password_hash)
        self.emit(
            IdentityBound(
                user=user_id,
                provider=PASSWORD_PROVIDER,
                app=PASSWORD_APP_ID,
                ip=device.ip,
                session=active.fingerprint,
            )
        )
        return await self.starter.restart(active, identity, device)
