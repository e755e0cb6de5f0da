"""Console operators' accounts against a real database (SQLite and PostgreSQL): a TOTP code
works once, even when sign-ins race with it; only the current step and one either side are
accepted; a reset or removal ends the operator's sessions; sessions end when idle or old."""

from __future__ import annotations

import asyncio

import pyotp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.clock import MovableClock
from wxsession.accounts.operator_store import OperatorStore
from wxsession.accounts.passwords import PasswordHasher
from wxsession.core.account_errors import PasswordTooShort
from wxsession.core.errors import InvalidCredentials, ValidationFailed
from wxsession.core.operator import OperatorRole, Permission
from wxsession.data_keys import DataKeys
from wxsession.services.operator_accounts import OperatorAccounts
from wxsession.throttle.login import LoginThrottle
from wxsession.throttle.sql import SqlWindowStorage

PASSWORD = "operator-password-5d2a"  # a test operator's password


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(1_800_000_000.0)


@pytest.fixture
def accounts(sql_engine: AsyncEngine, clock: MovableClock) -> OperatorAccounts:
    return OperatorAccounts(
        OperatorStore(sql_engine),
        PasswordHasher(concurrency=4, time_cost=1, memory_cost=1024),
        DataKeys.dev(),
        LoginThrottle(SqlWindowStorage(sql_engine, clock=clock), per_account_ip=100),
        lambda event: None,
        idle=600,
        max_age=3600,
        clock=clock,
    )


def code_at(uri: str, clock: MovableClock, steps: int = 0) -> str:
    return pyotp.parse_uri(uri).at(clock() + 30 * steps)


async def test_a_code_works_once_even_when_sign_ins_race(
    accounts: OperatorAccounts, clock: MovableClock
) -> None:
    _, uri = await accounts.add("ops", OperatorRole.ADMIN, PASSWORD, "test")
    code = code_at(uri, clock)
    tries = [accounts.sign_in("ops", PASSWORD, code, "10.0.0.1") for _ in range(8)]
    results = await asyncio.gather(*tries, return_exceptions=True)
    tokens = [r for r in results if isinstance(r, str)]
    assert len(tokens) == 1
    assert all(isinstance(r, InvalidCredentials) for r in results if not isinstance(r, str))
    # An older step's code is spent too: the last spent step only moves forward.
    with pytest.raises(InvalidCredentials):
        await accounts.sign_in("ops", PASSWORD, code_at(uri, clock, -1), "10.0.0.1")


@pytest.mark.parametrize(("steps", "accepted"), [(-2, False), (-1, True), (1, True), (2, False)])
async def test_one_step_of_drift_either_way(
    accounts: OperatorAccounts, clock: MovableClock, steps: int, accepted: bool
) -> None:
    _, uri = await accounts.add("ops", OperatorRole.VIEWER, PASSWORD, "test")
    code = code_at(uri, clock, steps)
    if accepted:
        assert await accounts.sign_in("ops", PASSWORD, code, None)
    else:
        with pytest.raises(InvalidCredentials):
            await accounts.sign_in("ops", PASSWORD, code, None)


async def test_sessions_end_when_idle_or_too_old(
    accounts: OperatorAccounts, clock: MovableClock
) -> None:
    _, uri = await accounts.add("ops", OperatorRole.SUPPORT, PASSWORD, "test")
    token = await accounts.sign_in("ops", PASSWORD, code_at(uri, clock), None)
    operator = await accounts.resolve(token)
    assert operator is not None and operator.may(Permission.END_SESSIONS)
    assert not operator.may(Permission.DELETE_USERS)
    for _ in range(7):  # active every 9 minutes: never idle, but the hour runs out
        clock.advance(540)
        alive = await accounts.resolve(token)
        assert (alive is not None) == (clock() - 1_800_000_000.0 <= 3600)
    assert await accounts.resolve(token) is None
    clock.advance(60)
    token = await accounts.sign_in("ops", PASSWORD, code_at(uri, clock), None)
    clock.advance(601)
    assert await accounts.resolve(token) is None


async def test_a_new_secret_or_removal_ends_the_sessions(
    accounts: OperatorAccounts, clock: MovableClock
) -> None:
    _, uri = await accounts.add("ops", OperatorRole.ADMIN, PASSWORD, "test")
    token = await accounts.sign_in("ops", PASSWORD, code_at(uri, clock), None)
    new_uri = await accounts.reset_totp("ops", "test")
    assert new_uri is not None and new_uri != uri
    assert await accounts.resolve(token) is None
    clock.advance(30)
    with pytest.raises(InvalidCredentials):  # the old secret's code no longer works
        await accounts.sign_in("ops", PASSWORD, code_at(uri, clock), None)
    token = await accounts.sign_in("ops", PASSWORD, code_at(new_uri, clock), None)
    assert await accounts.remove("ops", "test")
    assert await accounts.resolve(token) is None
    assert not await accounts.remove("ops", "test")


async def test_names_are_unique_and_passwords_follow_the_policy(
    accounts: OperatorAccounts,
) -> None:
    await accounts.add("ops", OperatorRole.VIEWER, PASSWORD, "test")
    with pytest.raises(ValidationFailed):
        await accounts.add("ops", OperatorRole.ADMIN, PASSWORD, "test")
    with pytest.raises(ValidationFailed):
        await accounts.add("no spaces", OperatorRole.ADMIN, PASSWORD, "test")
    with pytest.raises(PasswordTooShort):
        await accounts.add("ops2", OperatorRole.ADMIN, "short", "test")
    assert [op.name for op in await accounts.all()] == ["ops"]
