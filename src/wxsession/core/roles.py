"""Roles as words: a role is a name for a set of permission strings (``orders:read``).

The shapes are checked here once, for the configuration (``WXSESSION_ROLES``), the database
and the admin tools alike, so a name can travel in a header (``X-User-Roles``, comma
separated) and a permission in a log line without escaping. No I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from wxsession.core.account_errors import RoleInvalid

ROLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
"""A role's name: letters, digits, ``_ . -``, at most 64 characters (no comma, no space)."""
PERMISSION = re.compile(r"[A-Za-z0-9_.*-]{1,64}(?::[A-Za-z0-9_.*-]{1,64}){0,3}")
"""A permission: up to four ``:``-separated parts (``orders:read``). Matched exactly: a
``*`` in it is a character like any other, not a wildcard."""
MAX_PERMISSIONS = 256


def role_name(name: str) -> str:
    """``name`` if it is a valid role name, else :class:`RoleInvalid`."""
    if not ROLE_NAME.fullmatch(name):
        raise RoleInvalid(f"Invalid role name {name[:70]!r}: letters, digits and _ . - only.")
    return name


def permission_set(permissions: Iterable[str]) -> frozenset[str]:
    """The permissions as a set, each checked; :class:`RoleInvalid` names the first bad one."""
    checked = frozenset(permissions)
    for permission in sorted(checked):
        if not PERMISSION.fullmatch(permission):
            raise RoleInvalid(f"Invalid permission {permission[:70]!r} (e.g. 'orders:read').")
    if len(checked) > MAX_PERMISSIONS:
        raise RoleInvalid(f"A role has at most {MAX_PERMISSIONS} permissions.")
    return checked


def catalog(roles: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    """Roles as configured, every name and permission checked."""
    return {role_name(name): permission_set(permissions) for name, permissions in roles.items()}


def resolve(
    grants: Iterable[tuple[str, Iterable[str] | None]], configured: Mapping[str, frozenset[str]]
) -> tuple[frozenset[str], frozenset[str]]:
    """A user's ``(roles, permissions)`` from their grants, each a role name with the
    permissions the database defines for it (``None``: not defined there).

    Configuration wins: a configured role means what ``configured`` says. A grant of a role
    defined nowhere (removed from the configuration or the database since) counts for nothing.
    """
    roles: set[str] = set()
    permissions: set[str] = set()
    for name, stored in grants:
        defined = configured.get(name, stored)
        if defined is not None:
            roles.add(name)
            permissions.update(defined)
    return frozenset(roles), frozenset(permissions)
