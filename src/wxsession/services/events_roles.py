"""Audit events of roles: grants, revocations and definitions, each naming who acted."""

from __future__ import annotations

from dataclasses import dataclass

from wxsession.audit import Actor, Event


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleGranted(Event):
    name = "role_granted"
    user: str
    role: str
    by: Actor


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleRevoked(Event):
    name = "role_revoked"
    user: str
    role: str
    by: Actor


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleDefined(Event):
    """A role of the database defined, or its permissions replaced (``holders``: users whose
    permissions changed with it)."""

    name = "role_defined"
    role: str
    permissions: str
    holders: int
    by: Actor


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleDeleted(Event):
    name = "role_deleted"
    role: str
    holders: int
    by: Actor
