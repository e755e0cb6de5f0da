"""A user as every layer above the accounts, and users' apps, see one: a frozen view."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True, weakref_slot=True)
class UserView:
    """A registered user as read from SQL (:mod:`wxsession.accounts` builds it; its fields
    are the ``users`` columns, under the same names).

    Frozen, so a view the hot-session cache shares between concurrent requests cannot be
    changed under them, and no change can be written back by accident: changes go through
    the accounts (a profile update returns a new view). ``repr`` leaves out the profile.
    """

    id: str
    nickname: str | None = field(repr=False)
    avatar_url: str | None = field(repr=False)
    phone_number: str | None = field(repr=False)
    """Set only from WeChat's getuserphonenumber answer (``POST /v1/me/phone``): verified."""
    disabled: bool
    created_at: datetime
    session_epoch: int
    """The revocation point: sessions issued under a lower epoch are refused
    (:mod:`wxsession.sessions.revocation`)."""
    sessions_revoked_at: datetime | None
    roles: frozenset[str] = field(default=frozenset(), repr=False)
    """The user's roles (:mod:`wxsession.services.roles`). Filled by the read every session
    check's user comes from (``AccountRepository.get_user``, cached with the user); a view a
    login or a profile update returns leaves them empty, and no answer of those shows them."""
    permissions: frozenset[str] = field(default=frozenset(), repr=False)
    """The union of the permissions of :attr:`roles`, resolved when the view was read."""

    def may(self, permission: str) -> bool:
        """Whether one of the user's roles grants ``permission`` (exact match)."""
        return permission in self.permissions

    def __eq__(self, other: object) -> bool:
        # The same view first: the hot-session cache hands one shared view to every request,
        # and comparing field by field builds two tuples (per-user caches look it up).
        if self is other:
            return True
        if other.__class__ is not UserView:
            return NotImplemented
        return _fields_of(self) == _fields_of(other)

    def __hash__(self) -> int:
        # By id alone: equal views share an id, and a str caches its hash; all fields
        # hashed together cost about 0.6 us per lookup of GET /v1/me's body.
        return hash(self.id)


def _fields_of(view: UserView) -> tuple[object, ...]:
    """Its fields in order (what equality compares)."""
    return tuple(getattr(view, name) for name in view.__slots__ if name != "__weakref__")
