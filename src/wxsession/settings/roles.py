"""Roles defined in configuration: one mixin of :class:`wxsession.settings.Settings`."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from wxsession.core.errors import WxSessionError
from wxsession.core.roles import catalog


class RoleSettings(BaseModel):
    """``WXSESSION_ROLES``: role name -> its permissions, as JSON
    (``{"editor": ["orders:read", "orders:write"]}``). These roles are fixed by the
    deployment; roles defined in the database (``wxsession admin roles define``) add to them
    and can never take one of their names (docs/configuration.md, roles)."""

    roles: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("roles")
    @classmethod
    def _shapes(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        try:
            checked = catalog(value)
        except WxSessionError as exc:
            raise ValueError(exc.message) from None
        return {name: sorted(permissions) for name, permissions in checked.items()}

    def configured_roles(self) -> dict[str, frozenset[str]]:
        """The configured roles, as the accounts resolve them."""
        return {name: frozenset(permissions) for name, permissions in self.roles.items()}
