"""A resolved session is a RegisteredSession exactly when its record names a user, so code
behind "registration required" reads ``user_id`` without checking it again."""

from __future__ import annotations

import pytest

from tests.support.records import ALICE, make_record, new_key
from wxsession.core.account_errors import RegistrationRequired
from wxsession.core.session import ActiveSession, RegisteredSession
from wxsession.services.current_user import require_registered


def test_a_registered_record_makes_a_registered_session() -> None:
    key = new_key(ALICE)[1]
    active = ActiveSession.of(key, make_record(ALICE, key=key))
    assert isinstance(active, RegisteredSession)
    assert active.user_id == ALICE
    assert active.as_registered() is active
    assert require_registered(active) is active


def test_a_pending_record_makes_a_plain_session_refused_where_a_user_is_required() -> None:
    key = new_key(None)[1]
    active = ActiveSession.of(key, make_record(None, key=key))
    assert not isinstance(active, RegisteredSession)
    assert active.as_registered() is None
    with pytest.raises(RegistrationRequired):
        require_registered(active)


def test_a_session_built_by_hand_still_narrows() -> None:
    key = new_key(ALICE)[1]
    active = ActiveSession(key, make_record(ALICE, key=key))
    registered = require_registered(active)
    assert (registered.key, registered.record, registered.user_id) == (key, active.record, ALICE)
