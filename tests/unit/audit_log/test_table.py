"""How an event becomes a row: its columns, an allow-list for the rest, never a secret."""

from __future__ import annotations

import dataclasses

import pytest

from wxsession.audit import ByOperator, BySession, Event
from wxsession.audit_log.table import COLUMN_FIELDS, DETAIL_FIELDS, row_of
from wxsession.services import events, events_codes, events_roles
from wxsession.throttle.open_data import WeChatDataThrottled

SECRET_WORDS = ("token", "code", "password", "openid", "unionid", "session_key", "secret")


def _event_classes() -> list[type[Event]]:
    return [
        value
        for module in (events, events_codes, events_roles)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Event) and hasattr(value, "name")
    ] + [WeChatDataThrottled]


@pytest.mark.parametrize("cls", _event_classes(), ids=lambda cls: cls.__name__)
def test_every_field_of_todays_events_has_a_place(cls: type[Event]) -> None:
    """A column or the allow-list: today's events lose nothing in the table."""
    for field in dataclasses.fields(cls):
        if field.name == "by":  # an actor: written as its own fields (ip, session, actor)
            continue
        assert field.name in COLUMN_FIELDS | DETAIL_FIELDS, field.name


def test_the_allow_list_names_no_secret() -> None:
    for name in DETAIL_FIELDS | COLUMN_FIELDS:
        assert not any(word in name for word in SECRET_WORDS), name


def test_a_login_row_has_its_columns_and_details() -> None:
    happened = events.LoggedIn(
        user="u1",
        provider="wechat",
        app="wxapp",
        registered=True,
        ip="10.0.0.7",
        session="fp1",
        replaced=None,
        device="iPhone WeChat 8",
    )
    row = row_of(happened, 120.5, "req-1")
    assert row == {
        "at": 120.5,
        "minute": 2,
        "event": "login",
        "user_id": "u1",
        "actor": "user",
        "ip": "10.0.0.7",
        "device": "iPhone WeChat 8",
        "request_id": "req-1",
        "outcome": "success",
        "reason": None,
        "details": {"provider": "wechat", "app": "wxapp", "registered": True, "session": "fp1"},
    }


def test_outcomes_and_actors() -> None:
    failed = row_of(
        events.CodeLoginFailed(
            provider="wechat", app="a", reason="WECHAT_CODE_INVALID", ip=None, presented=None
        ),
        0.0,
        None,
    )
    assert (failed["outcome"], failed["reason"], failed["actor"]) == (
        "failure",
        "WECHAT_CODE_INVALID",
        None,
    )
    throttled = row_of(
        events.CodeLoginThrottled(provider="wechat", limit="code_ip", ip="1.2.3.4", retry_after=9),
        0.0,
        None,
    )
    assert (throttled["outcome"], throttled["reason"]) == ("throttled", "RATE_LIMITED")
    by_operator = row_of(
        events.UserDisabled(user="u2", by=ByOperator("admin-cli"), ended=1), 0.0, None
    )
    assert (by_operator["actor"], by_operator["user_id"]) == ("admin-cli", "u2")
    by_user = row_of(
        events.SessionRevoked(user="u2", by=BySession("::1", "fp"), public_id="p"), 0.0, None
    )
    assert (by_user["actor"], by_user["ip"], by_user["details"]["session"]) == ("user", "::1", "fp")


def test_a_field_not_on_the_allow_list_stays_out() -> None:
    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    class Leaky(Event):
        name = "login"
        user: str
        openid: str

    row = row_of(Leaky(user="u", openid="o-secret"), 0.0, None)
    assert "o-secret" not in repr(row)


def test_texts_are_cut_to_their_columns() -> None:
    row = row_of(
        events.UserEnabled(user="u", by=ByOperator("operator:" + "x" * 100)), 0.0, "r" * 300
    )
    assert len(row["actor"]) == 64 and len(row["request_id"]) == 128
