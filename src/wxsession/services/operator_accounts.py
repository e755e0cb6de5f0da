"""Console operators: their accounts (the CLI's ``wxsession admin operator``), signing in with
a password and a TOTP code, and their console sessions.

- Passwords: the users' policy and Argon2id hasher (:mod:`wxsession.accounts.passwords`).
- TOTP (RFC 6238, pyotp): 6 digits, 30-second steps, one step of clock drift either way; a
  code works once: its step is spent in SQL before the session starts (ASVS 5.0 6.5.1, 4.0.3
  2.8.4), and a step no later than the last spent one is refused.
- Sign-in failures say nothing of which factor failed, and count in the password-login
  throttle's windows of their own (``console`` scope: per name and IP, per name an hour).
- Sessions: 256-bit tokens, stored as their SHA-256; ended after ``idle`` seconds without a
  request and ``max_age`` after sign-in, whatever the activity (ASVS 4.0.3 3.3.2).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

import pyotp

from wxsession.accounts.operator_store import OperatorStore
from wxsession.accounts.passwords import PasswordHasher, check_new_password
from wxsession.core.clock import Clock, system_clock
from wxsession.core.errors import InvalidCredentials, RateLimited, ValidationFailed
from wxsession.core.operator import OperatorRole, OperatorView
from wxsession.data_keys import DataKeys, Sealed, context
from wxsession.services.events import Observer
from wxsession.services.events_console import (
    OperatorAdded,
    OperatorRemoved,
    OperatorSignedIn,
    OperatorSignedOut,
    OperatorSignInFailed,
    OperatorTotpReset,
)
from wxsession.throttle.login import LoginThrottle, Scope

TOTP_STEP = 30
TOTP_DRIFT_STEPS = 1
NAME = re.compile(r"[A-Za-z0-9_.@-]{3,64}")
CODE = re.compile(r"[0-9]{6}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class OperatorAccounts:
    def __init__(
        self,
        store: OperatorStore,
        hasher: PasswordHasher,
        keys: DataKeys,
        throttle: LoginThrottle,
        emit: Observer,
        *,
        issuer: str = "wxsession",
        idle: float = 900,
        max_age: float = 43_200,
        clock: Clock = system_clock,
    ) -> None:
        self.store = store
        self.hasher = hasher
        self.keys = keys
        self.throttle = throttle
        self.emit = emit
        self.issuer = issuer
        self.idle = idle
        self.max_age = max_age
        self.clock = clock

    # --- accounts (CLI and the console's operators page) --------------------------------

    async def add(
        self, name: str, role: OperatorRole, password: str, actor: str
    ) -> tuple[OperatorView, str]:
        """A new operator and their TOTP provisioning URI (shown once, never stored in clear)."""
        if not NAME.fullmatch(name):
            raise ValidationFailed("An operator name is 3 to 64 of A-Z a-z 0-9 _ . @ -.")
        check_new_password(password)
        secret = pyotp.random_base32(32)
        added = await self.store.add(
            name, role, await self.hasher.hash(password), self._seal(name, secret)
        )
        if added is None:
            raise ValidationFailed("An operator of this name exists already.")
        self.emit(OperatorAdded(operator=name, role=role.value, actor=actor))
        return added, self._uri(name, secret)

    async def all(self) -> list[OperatorView]:
        return await self.store.all()

    async def remove(self, name: str, actor: str) -> bool:
        done = await self.store.remove(name)
        if done:
            self.emit(OperatorRemoved(operator=name, actor=actor))
        return done

    async def reset_totp(self, name: str, actor: str) -> str | None:
        """A new TOTP secret (its URI, shown once); the operator's sessions end."""
        secret = pyotp.random_base32(32)
        if not await self.store.set_totp(name, self._seal(name, secret)):
            return None
        self.emit(OperatorTotpReset(operator=name, actor=actor))
        return self._uri(name, secret)

    # --- signing in ---------------------------------------------------------------------

    async def sign_in(self, name: str, password: str, code: str, ip: str | None) -> str:
        """A console session token for the right name, password and unused TOTP code;
        otherwise 401 ``INVALID_CREDENTIALS`` (which factor failed is not said) or 429."""
        refused = await self.throttle.reserve(name, ip, scope=Scope.CONSOLE)
        if refused is not None:
            self.emit(OperatorSignInFailed(reason="throttled", ip=ip))
            raise RateLimited(retry_after=refused.retry_after)
        found = await self.store.by_name(name)
        stored = found[1] if found else await self.hasher.dummy_hash()
        password_ok = await self.hasher.verify(stored, password)
        step = self._step_of(name, found[2], code) if found and password_ok else None
        if found is None or step is None:
            self.emit(OperatorSignInFailed(reason="credentials", ip=ip))
            raise InvalidCredentials("The name, password or code is not correct.")
        operator = found[0]
        if not await self.store.spend_step(operator.id, step):
            self.emit(OperatorSignInFailed(reason="code_reused", ip=ip))
            raise InvalidCredentials("The name, password or code is not correct.")
        await self.throttle.succeeded(name, ip, scope=Scope.CONSOLE)
        token = secrets.token_urlsafe(32)
        await self.store.start_session(token_hash(token), operator.id, self.clock())
        self.emit(OperatorSignedIn(actor=operator.actor, ip=ip))
        return token

    async def resolve(self, token: str) -> OperatorView | None:
        """The operator of a live console session (and it is touched); ``None`` otherwise."""
        key = token_hash(token)
        found = await self.store.session(key)
        if found is None:
            return None
        operator, created, last_seen = found
        now = self.clock()
        if now - last_seen > self.idle or now - created > self.max_age:
            await self.store.end_session(key)
            return None
        await self.store.touch_session(key, now)
        return operator

    async def sign_out(self, token: str, operator: OperatorView) -> None:
        await self.store.end_session(token_hash(token))
        self.emit(OperatorSignedOut(actor=operator.actor))

    # --- TOTP ---------------------------------------------------------------------------

    def _step_of(self, name: str, sealed: Sealed, code: str) -> int | None:
        """The time step ``code`` is valid for (now, or one step either side), if any."""
        secret = self.keys.open(sealed, context("operator-totp", name))
        if secret is None or not CODE.fullmatch(code):
            return None
        totp = pyotp.TOTP(secret, interval=TOTP_STEP)
        now = int(self.clock()) // TOTP_STEP
        for step in range(now - TOTP_DRIFT_STEPS, now + TOTP_DRIFT_STEPS + 1):
            if hmac.compare_digest(totp.generate_otp(step), code):
                return step
        return None

    def _seal(self, name: str, secret: str) -> Sealed:
        return self.keys.seal(secret, context("operator-totp", name))

    def _uri(self, name: str, secret: str) -> str:
        return pyotp.TOTP(secret, interval=TOTP_STEP).provisioning_uri(
            name=name, issuer_name=self.issuer
        )
