"""The use cases, independent of HTTP: one service per family, built once per runtime.

Routes (``wxsession.server``), the framework adapters (``wxsession.integrations``) and the
admin CLI call these and render the results; the rules live here once. Services report what
happened as typed events (:mod:`wxsession.services.events`) to one observer, the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wxsession import audit
from wxsession.accounts.passwords import PasswordHasher
from wxsession.accounts.repository import AccountRepository
from wxsession.metrics import Metrics
from wxsession.platforms.provider import PlatformApps, Provider
from wxsession.services.audit_trail import AuditTrail
from wxsession.services.codes import VerificationCodes
from wxsession.services.common import CodeExchange, LoginResult, Starter
from wxsession.services.events import Observer
from wxsession.services.identities import IdentityService
from wxsession.services.login import LoginService
from wxsession.services.passwords import PasswordService
from wxsession.services.profile import ProfileService
from wxsession.services.reauth import Reauthenticator
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
    codes: VerificationCodes
    roles: Roles
    audit_trail: AuditTrail

    @classmethod
    def build(
        cls,
        providers: Mapping[str, PlatformApps[Provider]],
        accounts: AccountRepository,
        sessions: SessionManager,
        *,
        auto_register: bool,
        metrics: Metrics,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        code_throttle: CodeLoginThrottle,
        codes: VerificationCodes,
        trail: AuditTrail,
        emit: Observer = audit.record,
    ) -> Services:
        exchange = CodeExchange(providers, code_throttle, emit)
        starter = Starter(accounts, sessions, emit)
        reauth = Reauthenticator(exchange.providers, accounts, hasher, throttle, exchange, emit)
        return cls(
            login=LoginService(exchange, starter, metrics, emit, auto_register=auto_register),
            passwords=PasswordService(starter, hasher, throttle, reauth, metrics, emit),
            identities=IdentityService(exchange, starter, reauth, emit),
            sessions=SessionService(sessions, emit),
            profile=ProfileService(accounts, sessions),
            codes=codes,
            roles=Roles(accounts, sessions, emit),
            audit_trail=trail,
        )
