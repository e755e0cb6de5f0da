"""Verification codes (:mod:`wxsession.services.codes`) over real parts: SQLite for the codes
and counters, mail over real SMTP to the emulator's server, the image CAPTCHA. Time moves by
the clock, never by sleeping."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import text

from tests.support.clock import MovableClock
from wxsession import migrate
from wxsession.audit import Event
from wxsession.core.account_errors import (
    CaptchaFailed,
    CaptchaRequired,
    ChannelNotConfigured,
    CodeInvalid,
    SenderUnavailable,
)
from wxsession.core.address import parse_email, parse_phone
from wxsession.core.errors import RateLimited
from wxsession.db import create_engine
from wxsession.emulator.outbox import Outbox
from wxsession.emulator.smtp import SmtpOutboxServer
from wxsession.messaging.mail import SmtpSender, SmtpServer
from wxsession.services import codes as codes_module
from wxsession.services.captcha import CaptchaAnswer, ImageCaptcha
from wxsession.services.codes import VerificationCodes
from wxsession.throttle import SqlWindowStorage
from wxsession.throttle.code_sends import CodeSendLimits, SendPolicy
from wxsession.throttle.one_time import SqlOneTimeStore

KEY = b"k" * 32
ANN = parse_email("ann@example.com")
IP = "203.0.113.5"


@dataclass
class Rig:
    codes: VerificationCodes
    outbox: Outbox
    smtp: SmtpOutboxServer
    clock: MovableClock
    answers: dict[str, str]
    events: list[Event] = field(default_factory=list)

    def code(self, to: str = "ann@example.com") -> str:
        code = self.outbox.latest_code(to)
        assert code is not None
        return code

    async def solve(self) -> CaptchaAnswer:
        challenge = await self.codes.captcha.challenge()
        assert challenge.image.startswith(b"\x89PNG")
        return CaptchaAnswer(challenge.id, self.answers[challenge.id].lower())


@pytest.fixture
async def rig(sqlite_url: str) -> AsyncIterator[Rig]:
    engine = create_engine(sqlite_url)
    await migrate.upgrade(engine)
    outbox = Outbox()
    smtp = SmtpOutboxServer(outbox)
    await smtp.start()
    clock = MovableClock(start=2_000_000.0)
    answers: dict[str, str] = {}
    store = SqlOneTimeStore(engine)
    mail = SmtpSender(SmtpServer(smtp.host, smtp.port, starttls=False), "svc@example.com")
    limits = CodeSendLimits(SqlWindowStorage(engine, clock=clock), SendPolicy(captcha_after=3))
    captcha = ImageCaptcha(store, KEY, clock=clock, reveal=answers.__setitem__)
    rig = Rig(None, outbox, smtp, clock, answers)  # type: ignore[arg-type]
    rig.codes = VerificationCodes(
        store, {"email": mail}, KEY, limits, captcha, clock=clock, emit=rig.events.append
    )
    try:
        yield rig
    finally:
        await smtp.stop()
        await engine.dispose()


async def test_a_code_arrives_by_mail_and_works_once(rig: Rig) -> None:
    await rig.codes.send(ANN, "login", client_ip=IP)
    [mail] = rig.outbox.messages("ann@example.com")
    assert mail.subject == "Your verification code"
    code = rig.code()
    assert len(code) == 6 and code.isdigit()
    await rig.codes.consume(ANN, "login", code)
    with pytest.raises(CodeInvalid):
        await rig.codes.consume(ANN, "login", code)


async def test_a_code_is_for_its_address_and_purpose_only(rig: Rig) -> None:
    await rig.codes.send(ANN, "login", client_ip=IP)
    code = rig.code()
    with pytest.raises(CodeInvalid):
        await rig.codes.consume(ANN, "reset", code)
    with pytest.raises(CodeInvalid):
        await rig.codes.consume(parse_email("bob@example.com"), "login", code)
    await rig.codes.consume(ANN, "login", code)


async def test_five_wrong_tries_kill_the_code(rig: Rig) -> None:
    await rig.codes.send(ANN, "login", client_ip=IP)
    code = rig.code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        with pytest.raises(CodeInvalid):
            await rig.codes.consume(ANN, "login", wrong)
    with pytest.raises(CodeInvalid) as raised:
        await rig.codes.consume(ANN, "login", code)
    assert (raised.value.status, raised.value.code) == (400, "CODE_INVALID")


async def test_a_code_expires_after_five_minutes(rig: Rig) -> None:
    await rig.codes.send(ANN, "login", client_ip=IP)
    rig.clock.advance(300)
    with pytest.raises(CodeInvalid):
        await rig.codes.consume(ANN, "login", rig.code())


async def test_a_new_code_replaces_the_old(rig: Rig) -> None:
    await rig.codes.send(ANN, "login", client_ip=IP)
    old = rig.code()
    rig.clock.advance(61)
    await rig.codes.send(ANN, "login", client_ip=IP)
    new = rig.code()
    if old != new:  # one in a million they are equal
        with pytest.raises(CodeInvalid):
            await rig.codes.consume(ANN, "login", old)
    await rig.codes.consume(ANN, "login", new)


@pytest.mark.parametrize("junk", ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", "123 45"])
async def test_malformed_codes_are_refused_alike(rig: Rig, junk: str) -> None:
    await rig.codes.send(ANN, "login", client_ip=IP)
    with pytest.raises(CodeInvalid):
        await rig.codes.consume(ANN, "login", junk)
    await rig.codes.consume(ANN, "login", rig.code())


async def test_one_send_a_minute_per_address_with_retry_after(rig: Rig) -> None:
    await rig.codes.send(ANN, "login", client_ip=IP)
    rig.clock.advance(20)
    with pytest.raises(RateLimited) as raised:
        await rig.codes.send(ANN, "reset", client_ip="198.51.100.1")
    assert raised.value.headers["Retry-After"] == "41"
    rig.clock.advance(41)
    await rig.codes.send(ANN, "reset", client_ip=IP)


async def test_a_mail_server_that_is_down_is_a_503_and_nothing_is_written(rig: Rig) -> None:
    await rig.codes.send(ANN, "login", client_ip=IP)
    first = rig.code()
    rig.clock.advance(61)
    await rig.smtp.stop()
    with pytest.raises(SenderUnavailable) as raised:
        await rig.codes.send(ANN, "login", client_ip=IP)
    assert (raised.value.status, raised.value.code) == (503, "SENDER_UNAVAILABLE")
    assert raised.value.headers["Retry-After"] == "1"
    await rig.smtp.start()
    await rig.codes.send(ANN, "login", client_ip=IP)  # the failed send gave its slot back
    second = rig.code()
    if first != second:
        with pytest.raises(CodeInvalid):
            await rig.codes.consume(ANN, "login", first)  # replaced only by a delivered one
    await rig.codes.consume(ANN, "login", second)
    assert [e.name for e in rig.events][:3] == ["code_sent", "code_send_failed", "code_sent"]


async def test_the_earlier_code_survives_a_failed_send(rig: Rig) -> None:
    await rig.codes.send(ANN, "login", client_ip=IP)
    rig.clock.advance(61)
    await rig.smtp.stop()
    with pytest.raises(SenderUnavailable):
        await rig.codes.send(ANN, "login", client_ip=IP)
    await rig.codes.consume(ANN, "login", rig.code())


async def test_a_kind_without_a_sender_is_refused(rig: Rig) -> None:
    with pytest.raises(ChannelNotConfigured):
        await rig.codes.send(parse_phone("13800138000"), "login", client_ip=IP)


async def test_a_captcha_is_needed_after_three_sends_and_checked_once(rig: Rig) -> None:
    for _ in range(3):
        await rig.codes.send(ANN, "login", client_ip=IP)
        rig.clock.advance(61)
    with pytest.raises(CaptchaRequired) as raised:
        await rig.codes.send(ANN, "login", client_ip=IP)
    assert (raised.value.status, raised.value.code) == (403, "CAPTCHA_REQUIRED")
    with pytest.raises(CaptchaFailed):
        await rig.codes.send(ANN, "login", client_ip=IP, captcha=CaptchaAnswer("nope", "ABCDE"))
    solved = await rig.solve()
    await rig.codes.send(ANN, "login", client_ip=IP, captcha=solved)  # case-insensitive
    rig.clock.advance(61)
    with pytest.raises(CaptchaFailed):
        await rig.codes.send(ANN, "login", client_ip=IP, captcha=solved)  # used
    # from another network, for another address: free again
    await rig.codes.send(parse_email("cy@example.com"), "login", client_ip="198.51.100.9")


async def test_a_wrong_captcha_answer_spends_the_challenge(rig: Rig) -> None:
    for _ in range(3):
        await rig.codes.send(ANN, "login", client_ip=IP)
        rig.clock.advance(61)
    solved = await rig.solve()
    with pytest.raises(CaptchaFailed):
        await rig.codes.send(ANN, "login", client_ip=IP, captcha=CaptchaAnswer(solved.id, "22222"))
    with pytest.raises(CaptchaFailed):
        await rig.codes.send(ANN, "login", client_ip=IP, captcha=solved)


async def test_refused_codes_draw_the_captcha_too(rig: Rig) -> None:
    await rig.codes.send(ANN, "login", client_ip=IP)
    for _ in range(2):
        with pytest.raises(CodeInvalid):
            await rig.codes.consume(ANN, "login", "000000" if rig.code() != "000000" else "1" * 6)
    rig.clock.advance(61)
    with pytest.raises(CaptchaRequired):
        await rig.codes.send(ANN, "login", client_ip="198.51.100.9")


async def test_the_audit_lines_never_hold_the_code_nor_the_address(rig: Rig) -> None:
    await rig.codes.send(ANN, "login", client_ip=IP)
    code = rig.code()
    with pytest.raises(CodeInvalid):
        await rig.codes.consume(ANN, "login", "999999" if code != "999999" else "888888")
    lines = [str(e.fields()) for e in rig.events]
    assert [e.name for e in rig.events] == ["code_sent", "code_failed"]
    assert all(code not in line and "ann@" not in line for line in lines)
    assert rig.events[0].fields()["address"] == rig.events[1].fields()["address"]


async def test_a_guessing_script_from_many_networks_gets_five_tries_in_all(rig: Rig) -> None:
    """200 guesses at once from 50 networks: none is right (the real code is left out), the
    real code is dead afterwards, and the address now needs a CAPTCHA to get another."""
    await rig.codes.send(ANN, "login", client_ip=IP)
    code = rig.code()
    guesses = [f"{n:06d}" for n in range(201) if f"{n:06d}" != code][:200]

    async def guess(n: int, value: str) -> bool:
        try:
            await rig.codes.consume(ANN, "login", value, client_ip=f"198.51.100.{n % 50}")
        except CodeInvalid:
            return False
        return True

    results = await asyncio.gather(*(guess(n, g) for n, g in enumerate(guesses)))
    assert not any(results)
    with pytest.raises(CodeInvalid):
        await rig.codes.consume(ANN, "login", code)
    rig.clock.advance(61)
    with pytest.raises(CaptchaRequired):
        await rig.codes.send(ANN, "login", client_ip="192.0.2.200")
    assert sum(e.name == "code_failed" for e in rig.events) == 201


def test_v2_7_6_codes_come_from_secrets_six_digits_zero_padded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn: list[int] = []

    def randbelow(bound: int) -> int:
        drawn.append(bound)
        return 42

    monkeypatch.setattr(codes_module.secrets, "randbelow", randbelow)
    assert codes_module.new_code() == "000042"
    assert drawn == [10**6]


def test_codes_are_spread_over_the_whole_range() -> None:
    many = [codes_module.new_code() for _ in range(2000)]
    assert all(len(c) == 6 and c.isdigit() for c in many)
    assert len(set(many)) > 1900  # about 2 collisions expected among 2000 of a million


async def test_v2_7_5_the_store_holds_neither_the_code_nor_the_address(
    rig: Rig, sqlite_url: str
) -> None:
    await rig.codes.send(ANN, "login", client_ip=IP)
    code = rig.code()
    engine = create_engine(sqlite_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT * FROM verification_codes"))).all()
            counters = (await conn.execute(text("SELECT key FROM rate_limits"))).all()
    finally:
        await engine.dispose()
    stored = " ".join(str(value) for row in rows for value in row)
    stored += " ".join(str(row[0]) for row in counters)
    assert len(rows) == 1
    assert code not in stored and "ann" not in stored and "example" not in stored
    assert hashlib.sha256(code.encode()).hexdigest() not in stored
