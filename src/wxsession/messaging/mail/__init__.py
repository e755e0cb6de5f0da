"""Mail through an SMTP server (aiosmtplib): our templates, a plain-text and an HTML part.

STARTTLS before logging in (``smtp_starttls``, port 587) or TLS from the start
(``smtp_tls``, port 465); certificates are checked. Any failure to hand the message over
(connection refused, timeout, TLS, login, a refused recipient or message) is
:class:`~wxsession.core.account_errors.SenderUnavailable`, logged by its kind only: never
the address's full text nor the code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from wxsession.core.account_errors import SenderUnavailable
from wxsession.messaging import Message
from wxsession.messaging.mail.templates import render

log = logging.getLogger("wxsession.mail")


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    tls: bool = False
    timeout: float = 10.0
    ca_file: str | None = None
    """Certificates to trust instead of the system's (PEM)."""


class SmtpSender:
    """A :class:`~wxsession.messaging.Sender` for mail addresses."""

    def __init__(self, server: SmtpServer, sender: str) -> None:
        self.server = server
        self.sender = sender

    def compose(self, message: Message) -> EmailMessage:
        """``message`` as a MIME mail: multipart/alternative, text first, then HTML."""
        rendered = render(message)
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to.value
        mail["Subject"] = rendered.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2].strip("> ") or None)
        mail.set_content(rendered.text)
        mail.add_alternative(rendered.html, subtype="html")
        return mail

    async def send(self, message: Message) -> None:
        if message.to.kind != "email":
            raise ValueError("SmtpSender sends to mail addresses only")
        server = self.server
        try:
            await aiosmtplib.send(
                self.compose(message),
                hostname=server.host,
                port=server.port,
                username=server.user,
                password=server.password,
                start_tls=server.starttls and not server.tls,
                use_tls=server.tls,
                timeout=server.timeout,
                cert_bundle=server.ca_file,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            log.warning(
                "mail not sent (%s) via %s:%s", type(exc).__name__, server.host, server.port
            )
            raise SenderUnavailable() from exc
