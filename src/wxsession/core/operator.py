"""Console operators: who they are (:class:`OperatorView`) and what each role may do.

Three roles, each including the one before: ``viewer`` reads; ``support`` also ends sessions
and disables or enables users; ``admin`` also deletes users, grants and revokes roles and
manages operators. Every console action names its :class:`Permission`, checked on the server
for each request (ASVS 4.0.3 V4.1.1, 4.1.3: deny unless the role holds it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Permission(StrEnum):
    VIEW = "view"
    END_SESSIONS = "end_sessions"
    DISABLE_USERS = "disable_users"
    DELETE_USERS = "delete_users"
    MANAGE_ROLES = "manage_roles"
    MANAGE_OPERATORS = "manage_operators"


class OperatorRole(StrEnum):
    VIEWER = "viewer"
    SUPPORT = "support"
    ADMIN = "admin"


_VIEWER = frozenset({Permission.VIEW})
_SUPPORT = _VIEWER | {Permission.END_SESSIONS, Permission.DISABLE_USERS}
GRANTS: dict[OperatorRole, frozenset[Permission]] = {
    OperatorRole.VIEWER: _VIEWER,
    OperatorRole.SUPPORT: _SUPPORT,
    OperatorRole.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True, slots=True)
class OperatorView:
    """An operator as the console and the CLI see one: never the hash nor the TOTP secret."""

    id: str
    name: str
    role: OperatorRole
    created_at: datetime

    def may(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]

    @property
    def actor(self) -> str:
        """The audit ``actor`` of this operator's acts."""
        return f"console:{self.name}"
