"""A real SMTP server (aiosmtpd) whose every accepted mail lands in the emulator's outbox.

``GET /_emulator/smtp`` tells where it listens (``{"running": bool, "host", "port"}``);
``POST /_emulator/smtp {"running": false}`` stops it and ``{"running": true}`` starts it
again on the same port, to play a mail server that is down (404 when the emulator runs none).

Dev mode runs one on loopback and sends its mail through it, and the tests send mail to one:
mail goes over a real SMTP conversation, never a mock. It runs on the caller's event loop
(``asyncio`` ``create_server``, no thread of its own); :meth:`SmtpOutboxServer.stop` closes
the port, so a sender meets a refused connection, as when a real server is down, and
:meth:`~SmtpOutboxServer.start` opens the same port again. With ``tls_context`` it offers
STARTTLS and requires it before any mail; with ``login`` it requires that user and password
(over TLS) too.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wxsession.emulator.outbox import Outbox

HOST = "127.0.0.1"


class _ToOutbox:
    """aiosmtpd's handler: each recipient of an accepted mail gets its plain-text part."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        mail = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(mail, EmailMessage)
        part = mail.get_body(preferencelist=("plain", "html"))
        text = part.get_content() if part is not None else ""
        subject = mail.get("Subject")
        for recipient in envelope.rcpt_tos:
            self.outbox.deliver(recipient, "mail", text, via="smtp", subject=subject)
        return "250 Message accepted for delivery"


class SmtpOutboxServer:
    """An SMTP server on ``host`` (port chosen by the system on first start, then kept)."""

    def __init__(
        self,
        outbox: Outbox,
        *,
        host: str = HOST,
        port: int = 0,
        tls_context: ssl.SSLContext | None = None,
        login: tuple[str, str] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self._handler = _ToOutbox(outbox)
        self._tls = tls_context
        self._login = login
        self._server: asyncio.Server | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def _protocol(self) -> SMTP:
        options: dict[str, Any] = {"hostname": "emulator.invalid", "timeout": 30}
        if self._tls is not None:
            options.update(tls_context=self._tls, require_starttls=True)
        if self._login is not None:
            options.update(authenticator=self._authenticate, auth_required=True)
        return SMTP(self._handler, **options)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        """With ``login``, only that user and password may send (aiosmtpd asks TLS first)."""
        expected = self._login
        ok = (
            expected is not None
            and isinstance(data, LoginPassword)
            and (data.login, data.password) == (expected[0].encode(), expected[1].encode())
        )
        return AuthResult(success=ok, handled=False)

    async def start(self) -> None:
        if self._server is None:
            server = await asyncio.get_running_loop().create_server(
                self._protocol, self.host, self.port
            )
            self.port = server.sockets[0].getsockname()[1]
            self._server = server

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()


def smtp_routes(server: Callable[[], SmtpOutboxServer | None]) -> list[Route]:
    """``/_emulator/smtp`` over whichever server ``server()`` names at the time."""

    async def control(request: Request) -> Response:
        current = server()
        if current is None:
            return JSONResponse({"error": "this emulator runs no SMTP server"}, status_code=404)
        if request.method == "POST":
            try:
                wanted = (await request.json())["running"]
            except (ValueError, KeyError, TypeError):
                wanted = None
            if not isinstance(wanted, bool):
                return JSONResponse({"error": 'send {"running": true|false}'}, status_code=400)
            await (current.start() if wanted else current.stop())
        body = {"running": current.running, "host": current.host, "port": current.port}
        return JSONResponse(body)

    return [Route("/_emulator/smtp", control, methods=["GET", "POST"])]
