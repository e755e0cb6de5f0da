"""UserView's equality and hash: by every field, hashed by id, so the per-user caches keyed by
the view (GET /v1/me's rendered body) find an equal view and never a changed one."""

from __future__ import annotations

import dataclasses
import weakref
from datetime import UTC, datetime

from wxsession.core.user import UserView

VIEW = UserView("u" * 32, "Ann", None, None, False, datetime(2026, 1, 1, tzinfo=UTC), 0, None)


def test_equal_views_are_equal_and_hash_alike() -> None:
    same = dataclasses.replace(VIEW)
    assert same is not VIEW
    assert same == VIEW and hash(same) == hash(VIEW)


def test_every_field_takes_part_in_equality() -> None:
    changes = {
        "id": "v" * 32,
        "nickname": "Bo",
        "avatar_url": "https://example.com/a.png",
        "phone_number": "+8613800000000",
        "disabled": True,
        "created_at": datetime(2026, 1, 2, tzinfo=UTC),
        "session_epoch": 1,
        "sessions_revoked_at": datetime(2026, 1, 3, tzinfo=UTC),
        "roles": frozenset({"editor"}),
        "permissions": frozenset({"orders:read"}),
    }
    assert set(changes) == {field.name for field in dataclasses.fields(UserView)}
    for name, value in changes.items():
        assert dataclasses.replace(VIEW, **{name: value}) != VIEW, name
    assert VIEW.__eq__(object()) is NotImplemented and VIEW != ("u" * 32,)


def test_a_cache_keyed_by_the_view_tells_a_changed_user_apart() -> None:
    bodies: weakref.WeakKeyDictionary[UserView, bytes] = weakref.WeakKeyDictionary()
    bodies[VIEW] = b"old"
    assert bodies.get(dataclasses.replace(VIEW)) == b"old"
    assert bodies.get(dataclasses.replace(VIEW, nickname="Bo")) is None
