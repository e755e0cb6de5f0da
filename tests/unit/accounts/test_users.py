"""Users leave the repository as frozen views, whichever way they were read: the ORM row
never reaches the layers above (nor users' apps), and a shared view cannot be changed."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from wxsession.accounts.repository import AccountRepository
from wxsession.core.identity import Identity
from wxsession.core.profile import Profile
from wxsession.core.user import UserView
from wxsession.data_keys import DataKeys

RUTH = Identity(provider="wechat", app_id="wx0123456789abcdef", subject="o-ruth", session_key="k")


async def test_every_read_hands_out_a_frozen_view(sqlite_engine: AsyncEngine) -> None:
    accounts = AccountRepository(sqlite_engine, keys=DataKeys.dev())
    first = await accounts.find_or_register(RUTH, auto=True)  # the insert's own row
    returning = await accounts.find_or_register(RUTH, auto=True)  # the Core read
    registered = await accounts.register(RUTH, Profile("Ruth"))
    assert first.user is not None
    read = await accounts.get_user(first.user.id)
    updated = await accounts.update_profile(first.user.id, {"nickname": "R."})
    found = await accounts.find_by_subject("wechat", "o-ruth")
    views = [first.user, returning.user, registered, read, updated, *found]
    assert all(type(view) is UserView for view in views)
    assert {view.id for view in views if view is not None} == {first.user.id}
    assert updated is not None and updated.nickname == "R." and updated.id == first.user.id
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.user.nickname = "changed"  # type: ignore[misc]
