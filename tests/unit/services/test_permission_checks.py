"""The role checks every adapter applies: every permission named, at least one role named,
and a declaration that names nothing (or not a string) fails where it is written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wxsession.core.account_errors import NotPermitted
from wxsession.core.user import UserView
from wxsession.services.current_user import demands, in_role, permitted

EDITOR = UserView(
    "u" * 32,
    None,
    None,
    None,
    False,
    datetime(2026, 1, 1, tzinfo=UTC),
    0,
    None,
    roles=frozenset({"editor"}),
    permissions=frozenset({"orders:read", "orders:write"}),
)


def test_require_permission_needs_every_one_named() -> None:
    assert permitted(EDITOR, ("orders:read",)) is EDITOR
    assert permitted(EDITOR, ("orders:read", "orders:write")) is EDITOR
    with pytest.raises(NotPermitted) as refused:
        permitted(EDITOR, ("orders:read", "orders:delete"))
    assert (refused.value.status, refused.value.code) == (403, "PERMISSION_DENIED")
    with pytest.raises(NotPermitted):
        permitted(EDITOR, ("orders:*",))  # no wildcard: exactly the string granted


def test_require_role_needs_one_of_those_named() -> None:
    assert in_role(EDITOR, ("admin", "editor")) is EDITOR
    with pytest.raises(NotPermitted):
        in_role(EDITOR, ("admin", "staff"))


@pytest.mark.parametrize("names", [(), ("",), (["orders:read"],)])
def test_a_declaration_naming_nothing_fails_at_once(names: tuple[object, ...]) -> None:
    with pytest.raises(TypeError, match="require_permission"):
        demands("permission", names)  # type: ignore[arg-type]
