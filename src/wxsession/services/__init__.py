"""The use cases, independent of HTTP: one service per family, built once per runtime.

Routes (``wxsession.server``), the framework adapters (``wxsession.integrations``) and the
admin CLI call these and render the results; the rules live here once. Services report what
happened as typed events (:mod:`wxsession.services.events`) to one observer, the audit log.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from wxsession import audit
from wxsession.accounts.passwords import PasswordHasher
from wxsession.accounts.repository import AccountRepository
from wxsession.metrics import Metrics
from wxsession.platforms.provider import PlatformApps, Provider
from wxsession.services.address_binding import AddressBinding
from wxsession.services.address_logins import AddressLogins
from wxsession.services.audit_trail import AuditTrail
from wxsession.services.closing import AccountClosing, Deletion
from wxsession.services.codes import VerificationCodes
from wxsession.services.common import CodeExchange, LoginResult, Starter
from wxsession.services.events import Observer
from wxsession.services.identities import IdentityService
from wxsession.services.login import LoginService
from wxsession.services.password_reset import PasswordReset
from wxsession.services.passwords import PasswordService
from wxsession.services.profile import ProfileService
from wxsession.services.reauth import Reauthenticator
from wxsession.services.registration_policy import Mode, RegistrationGate
from wxsession.services.roles import Roles
from wxsession.services.sessions import SessionService
from wxsession.sessions.manager import SessionManager
from wxsession.throttle import LoginThrottle
from wxsession.throttle.codes import CodeLoginThrottle

__all__ = ["LoginResult", "Services"]


@dataclass(frozen=True, slots=True)
class Services:
    login: LoginService
    passwords: PasswordService
    identities: IdentityService
    sessions: SessionService
    profile: ProfileService
    closing: AccountClosing
    roles: Roles
    audit_trail: AuditTrail
    codes: VerificationCodes
    address_logins: AddressLogins
    address_binding: AddressBinding
    password_reset: PasswordReset

    @classmethod
    def build(
        cls,
        providers: Mapping[str, PlatformApps[Provider]],
        accounts: AccountRepository,
        sessions: SessionManager,
        *,
        registration: Mode,
        registration_allow: Collection[str] = (),
        metrics: Metrics,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        code_throttle: CodeLoginThrottle,
        trail: AuditTrail,
        codes: VerificationCodes,
        emit: Observer = audit.record,
    ) -> Services:
        exchange = CodeExchange(providers, code_throttle, emit)
        starter = Starter(accounts, sessions, emit)
        reauth = Reauthenticator(
            exchange.providers, accounts, hasher, throttle, exchange, emit, codes
        )
        gate = RegistrationGate(registration, registration_allow, emit)
        session_service = SessionService(sessions, emit)
        login = LoginService(exchange, starter, metrics, emit, gate)
        return cls(
            login=login,
            passwords=PasswordService(
                starter, hasher, throttle, reauth, metrics, emit, gate, codes
            ),
            identities=IdentityService(exchange, starter, reauth, emit),
            sessions=session_service,
            profile=ProfileService(accounts, sessions),
            closing=AccountClosing(Deletion(accounts, session_service), reauth, emit),
            audit_trail=trail,
            codes=codes,
            address_logins=AddressLogins(codes, login, exchange, metrics, emit),
            address_binding=AddressBinding(codes, starter, reauth, emit),
            password_reset=PasswordReset(codes, starter, hasher, throttle, emit),
            roles=Roles(accounts, sessions, emit),
        )
