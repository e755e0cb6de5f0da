"""The services' audit events: every one names a known audit line, and an actor's fields sit
in its place, so a user's and an operator's lines keep their shapes."""

from __future__ import annotations

import logging

import pytest

from wxsession import audit
from wxsession.audit import ByOperator, BySession, Event
from wxsession.services import events, events_roles


def _event_classes() -> list[type[Event]]:
    found = [
        value
        for module in (events, events_roles)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Event) and hasattr(value, "name")
    ]
    assert len(found) > 20
    return found


@pytest.mark.parametrize("cls", _event_classes(), ids=lambda cls: cls.__name__)
def test_every_event_names_a_known_audit_line(cls: type[Event]) -> None:
    assert cls.name in audit.EVENTS
    assert cls.level in (logging.INFO, logging.WARNING)


def test_an_actor_is_written_as_its_own_fields_in_its_place(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    audit.record(events.SessionRevoked(user="u1", by=BySession(None, "fp"), public_id="p1"))
    audit.record(events.SessionsRevoked(user="u1", by=ByOperator("admin-cli"), ended=None))
    assert [r.getMessage() for r in caplog.records] == [
        "session_revoked user=u1 ip=- session=fp public_id=p1",
        "sessions_revoked user=u1 actor=admin-cli ended=-",
    ]
    assert caplog.records[0].__dict__["audit"] == {
        "user": "u1",
        "ip": None,
        "session": "fp",
        "public_id": "p1",
    }


def test_a_warning_event_is_logged_at_its_level(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="wxsession.audit")
    audit.record(
        events.CodeLoginFailed(provider="qq", app="1101", reason="X", ip="10.0.0.1", presented=None)
    )
    (line,) = caplog.records
    assert line.levelno == logging.WARNING
    assert line.getMessage() == "login_failed provider=qq app=1101 reason=X ip=10.0.0.1 presented=-"
