"""Reads and writes of users and identities, with database faults translated to 503: one
object gathering the parts, each in its own module (users, registration, binding,
passwords, resealing, roles, addresses), over the shared plumbing of
:mod:`wxsession.accounts.base`."""

from __future__ import annotations

from wxsession.accounts.addresses import Addresses
from wxsession.accounts.binding import Binding
from wxsession.accounts.password_store import PasswordStore
from wxsession.accounts.registration import Registration
from wxsession.accounts.resealing import Resealing
from wxsession.accounts.role_store import RoleStore
from wxsession.accounts.users import Users


class AccountRepository(
    Users, Registration, Binding, PasswordStore, Resealing, RoleStore, Addresses
):
    """Users and identities in SQL. Users leave as frozen
    :class:`~wxsession.core.user.UserView` s, never ORM rows."""
