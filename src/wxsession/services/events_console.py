"""Audit events of the console's operators (issue 24): their accounts, sign-ins and refusals.

What operators do to users is audited by the events of those acts (``user_disabled``,
``session_revoked``, …) with the operator as ``actor``; these are the operators' own.
"""

from __future__ import annotations

from dataclasses import dataclass
from logging import WARNING

from wxsession.audit import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorAdded(Event):
    name = "operator_added"
    operator: str
    role: str
    actor: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorRemoved(Event):
    name = "operator_removed"
    operator: str
    actor: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorTotpReset(Event):
    name = "operator_totp_reset"
    operator: str
    actor: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorSignedIn(Event):
    name = "operator_signed_in"
    actor: str
    ip: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorSignInFailed(Event):
    """``reason``: ``credentials`` (unknown name, wrong password or code: one reason, so the
    line does not tell which), ``code_reused`` or ``throttled``."""

    name = "operator_sign_in_failed"
    level = WARNING
    reason: str
    ip: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorSignedOut(Event):
    name = "operator_signed_out"
    actor: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorDenied(Event):
    """An operator asked for an action their role does not hold (ASVS 7.2.1: failed
    authorisations are logged)."""

    name = "operator_denied"
    level = WARNING
    actor: str
    permission: str
