"""Plugin (tests/conftest.py): the emulator's real SMTP server on a thread of its own, for a
service outside dev mode to mail through (``smtp_outbox``), plain or with STARTTLS under a
self-signed certificate made for the test and a login (``smtp_tls``: the server and the PEM
to trust)."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from wxsession.emulator.outbox import Outbox
from wxsession.emulator.smtp import SmtpOutboxServer


@dataclass
class ThreadedSmtp:
    """An :class:`SmtpOutboxServer` on its own event loop thread, driven from the test's."""

    server: SmtpOutboxServer
    outbox: Outbox
    loop: asyncio.AbstractEventLoop
    ca_file: str | None = None

    def _run(self, coro: Any) -> None:
        asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)

    def start(self) -> None:
        self._run(self.server.start())

    def stop(self) -> None:
        self._run(self.server.stop())


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for ``127.0.0.1`` and ``localhost`` and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wxsession test SMTP")])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _threaded(
    tls: ssl.SSLContext | None, ca_file: str | None, login: tuple[str, str] | None = None
) -> Iterator[ThreadedSmtp]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="smtp-outbox", daemon=True)
    thread.start()
    outbox = Outbox()
    server = SmtpOutboxServer(outbox, tls_context=tls, login=login)
    smtp = ThreadedSmtp(server, outbox, loop, ca_file)
    smtp.start()
    try:
        yield smtp
    finally:
        smtp.stop()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


SMTP_LOGIN = ("mailer", "smtp-test-password")
"""The user and password ``smtp_tls`` requires."""


@pytest.fixture
def smtp_outbox() -> Iterator[ThreadedSmtp]:
    """A plain SMTP server feeding its own outbox."""
    yield from _threaded(None, None)


@pytest.fixture
def smtp_tls(tmp_path: Path) -> Iterator[ThreadedSmtp]:
    """An SMTP server that requires STARTTLS, then :data:`SMTP_LOGIN`; ``ca_file`` is the PEM
    to trust."""
    cert_file, key_file = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    yield from _threaded(context, str(cert_file), SMTP_LOGIN)
