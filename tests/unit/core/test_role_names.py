"""Role names and permissions keep a shape a header and a log line carry as they are, and a
user's permissions resolve with the configuration first."""

from __future__ import annotations

import pytest

from wxsession.core.account_errors import RoleInvalid
from wxsession.core.roles import MAX_PERMISSIONS, catalog, permission_set, resolve, role_name


@pytest.mark.parametrize("name", ["editor", "Ops.Team-2", "a", "x" * 64])
def test_good_role_names_pass(name: str) -> None:
    assert role_name(name) == name


@pytest.mark.parametrize("name", ["", "a,b", "a b", "-lead", "x" * 65, "编辑", "a\nb"])
def test_other_role_names_are_refused(name: str) -> None:
    with pytest.raises(RoleInvalid):
        role_name(name)


def test_permissions_are_checked_one_by_one() -> None:
    assert permission_set(["orders:read", "orders:*", "a:b:c:d"]) == {
        "orders:read",
        "orders:*",
        "a:b:c:d",
    }
    for bad in ("", "orders:", ":read", "a:b:c:d:e", "orders read", "orders,read"):
        with pytest.raises(RoleInvalid):
            permission_set([bad])
    with pytest.raises(RoleInvalid):
        permission_set(f"p{i}" for i in range(MAX_PERMISSIONS + 1))


def test_configuration_wins_and_undefined_grants_count_for_nothing() -> None:
    configured = catalog({"editor": ["orders:read", "orders:write"]})
    roles, permissions = resolve(
        [("editor", ["everything"]), ("auditor", ["audit:read"]), ("gone", None)], configured
    )
    assert roles == {"editor", "auditor"}
    assert permissions == {"orders:read", "orders:write", "audit:read"}
