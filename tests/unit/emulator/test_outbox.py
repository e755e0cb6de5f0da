"""The emulator's outbox and its SMTP server: real SMTP in, the code parsed out, per
address; the server can be stopped (a refused connection) and started on the same port."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import aiosmtplib
import httpx
import pytest

from wxsession.emulator import Emulator, create_emulator_app
from wxsession.emulator.outbox import KEEP, Outbox
from wxsession.emulator.smtp import SmtpOutboxServer
from wxsession.server.background import serve_in_thread


def test_messages_are_kept_per_address_newest_first_with_their_code() -> None:
    outbox = Outbox(clock=lambda: 5.0)
    outbox.deliver("+8613800138000", "sms", "code 111111, 5 minutes", via="dev")
    outbox.deliver("13800138000", "sms", "code 222222", via="dev")
    outbox.deliver("+8613900139000", "sms", "code 333333", via="dev")
    outbox.deliver("+8613800138000", "sms", "no code in 12345 or 1234567", via="dev")
    listed = outbox.messages("+86 138 0013 8000")
    assert [m.code for m in listed] == [None, "222222", "111111"]
    assert outbox.latest_code("13800138000") == "222222"
    assert listed[0].at == 5.0


def test_an_address_keeps_only_the_last_messages() -> None:
    outbox = Outbox()
    for number in range(KEEP + 5):
        outbox.deliver("a@example.com", "mail", f"{number:06d}", via="smtp")
    listed = outbox.messages("a@EXAMPLE.com")
    assert len(listed) == KEEP
    assert listed[0].code == f"{KEEP + 4:06d}"


async def test_the_route_reads_the_address_as_the_service_does() -> None:
    emulator = Emulator()
    emulator.outbox.deliver("+8613800138000", "sms", "您的验证码 654321", via="dev")
    transport = httpx.ASGITransport(app=create_emulator_app(emulator))
    async with httpx.AsyncClient(transport=transport, base_url="http://emu") as client:
        # "+" unescaped in a query string arrives as a space: still the same number
        answer = await client.get("/_emulator/outbox?to=+8613800138000")
        missing = await client.get("/_emulator/outbox")
    assert answer.status_code == 200
    body = answer.json()
    assert body["to"] == "+8613800138000"
    assert [(m["channel"], m["code"], m["via"]) for m in body["messages"]] == [
        ("sms", "654321", "dev")
    ]
    assert missing.status_code == 400


def _mail(to: str, text: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "svc@example.com"
    mail["To"] = to
    mail["Subject"] = "Your code"
    mail.set_content(text)
    mail.add_alternative(f"<p>{text}</p>", subtype="html")
    return mail


async def test_mail_over_smtp_lands_in_the_outbox_and_a_stopped_server_refuses() -> None:
    outbox = Outbox()
    server = SmtpOutboxServer(outbox)
    await server.start()
    host, port = server.host, server.port
    try:
        await aiosmtplib.send(_mail("Ann@Example.com", "code: 424242"), hostname=host, port=port)
        [got] = outbox.messages("Ann@example.com")
        assert (got.channel, got.via, got.subject) == ("mail", "smtp", "Your code")
        assert got.code == "424242"
        assert got.text.strip() == "code: 424242"  # the plain part, not the HTML one

        await server.stop()
        with pytest.raises(aiosmtplib.SMTPConnectError):
            await aiosmtplib.send(
                _mail("ann@example.com", "777777"), hostname=server.host, port=port
            )

        await server.start()
        assert server.port == port
        await aiosmtplib.send(_mail("ann@example.com", "888888"), hostname=host, port=port)
        assert outbox.latest_code("ann@example.com") == "888888"
    finally:
        await server.stop()


def test_the_standalone_emulator_can_run_an_smtp_server_feeding_its_outbox() -> None:
    """``wxsession emulator --smtp-port``: the app's lifespan runs the SMTP server, which
    ``/_emulator/smtp`` names and stops; mail sent to it is in ``/_emulator/outbox``."""
    emulator = Emulator()
    app = create_emulator_app(emulator, smtp=("127.0.0.1", 0))
    with serve_in_thread(app) as url:
        where = httpx.get(f"{url}/_emulator/smtp").json()
        assert where["running"] is True and where["port"] > 0
        smtplib_send(where["host"], where["port"], _mail("bo@example.com", "your code 135790"))
        [message] = httpx.get(f"{url}/_emulator/outbox", params={"to": "bo@example.com"}).json()[
            "messages"
        ]
        assert message["code"] == "135790"
        stopped = httpx.post(f"{url}/_emulator/smtp", json={"running": False}).json()
        assert stopped["running"] is False
        assert httpx.post(f"{url}/_emulator/smtp", json={"running": "no"}).status_code == 400
    assert emulator.smtp is not None and not emulator.smtp.running


def test_without_an_smtp_server_the_control_route_says_so() -> None:
    with serve_in_thread(create_emulator_app(Emulator())) as url:
        assert httpx.get(f"{url}/_emulator/smtp").status_code == 404


def smtplib_send(host: str, port: int, mail: EmailMessage) -> None:
    """Send with the standard library's client, from this (non-async) test."""
    with smtplib.SMTP(host, port, timeout=10) as client:
        client.send_message(mail)
