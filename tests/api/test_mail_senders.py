"""Codes by mail outside dev mode (both backends): the service mails through a real SMTP
server (the emulator's, on a thread) over STARTTLS with the certificate checked; a server
it cannot trust, or one that is stopped, is a 503 ``SENDER_UNAVAILABLE`` with nothing sent;
a kind of address without a sender is 400 ``CHANNEL_NOT_CONFIGURED``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.service import Service, error_code_of
from tests.support.smtp import SMTP_LOGIN, ThreadedSmtp

CODES = "/v1/auth/codes"


def _mailing(make_service: Any, smtp: ThreadedSmtp, **overrides: Any) -> Service:
    service: Service = make_service(
        smtp_host=smtp.server.host,
        smtp_port=smtp.server.port,
        smtp_from="Shop <no-reply@shop.example>",
        **overrides,
    )
    assert not service.settings.dev_mode
    return service


def _login(smtp: ThreadedSmtp, password: str = SMTP_LOGIN[1]) -> dict[str, Any]:
    return {"smtp_ca_file": smtp.ca_file, "smtp_user": SMTP_LOGIN[0], "smtp_password": password}


def test_mail_goes_over_starttls_to_a_trusted_server(
    make_service: Any, smtp_tls: ThreadedSmtp
) -> None:
    service = _mailing(make_service, smtp_tls, **_login(smtp_tls))
    sent = service.http.post(
        CODES, json={"email": "ann@example.com", "purpose": "bind", "locale": "zh"}
    )
    assert sent.status_code == 202, sent.text
    [mail] = smtp_tls.outbox.messages("ann@example.com")
    assert mail.subject == "您的验证码"
    assert mail.code is not None and mail.code in mail.text


def test_a_server_whose_certificate_is_not_trusted_gets_nothing(
    make_service: Any, smtp_tls: ThreadedSmtp
) -> None:
    service = _mailing(make_service, smtp_tls)  # the system's CAs do not know it
    refused = service.http.post(CODES, json={"email": "ann@example.com", "purpose": "login"})
    assert refused.status_code == 503
    assert error_code_of(refused) == "SENDER_UNAVAILABLE"
    assert smtp_tls.outbox.messages("ann@example.com") == []


def test_a_server_without_starttls_is_refused_when_starttls_is_asked(
    make_service: Any, smtp_outbox: ThreadedSmtp
) -> None:
    service = _mailing(make_service, smtp_outbox)  # smtp_starttls defaults to true
    refused = service.http.post(CODES, json={"email": "ann@example.com", "purpose": "login"})
    assert error_code_of(refused) == "SENDER_UNAVAILABLE"
    assert smtp_outbox.outbox.messages("ann@example.com") == []


def test_a_stopped_server_is_a_503_and_then_the_send_works(
    make_service: Any, smtp_outbox: ThreadedSmtp
) -> None:
    service = _mailing(make_service, smtp_outbox, smtp_starttls=False)
    smtp_outbox.stop()
    down = service.http.post(CODES, json={"email": "ann@example.com", "purpose": "login"})
    assert (down.status_code, error_code_of(down)) == (503, "SENDER_UNAVAILABLE")
    smtp_outbox.start()
    sent = service.http.post(CODES, json={"email": "ann@example.com", "purpose": "login"})
    assert sent.status_code == 202, sent.text
    assert len(smtp_outbox.outbox.messages("ann@example.com")) == 1


def test_without_a_sender_for_phones_a_phone_is_refused(
    make_service: Any, smtp_outbox: ThreadedSmtp
) -> None:
    service = _mailing(make_service, smtp_outbox, smtp_starttls=False)
    refused = service.http.post(CODES, json={"phone": "13800138000", "purpose": "login"})
    assert (refused.status_code, error_code_of(refused)) == (400, "CHANNEL_NOT_CONFIGURED")


def test_a_wrong_smtp_password_is_a_503_and_never_logged(
    make_service: Any, smtp_tls: ThreadedSmtp, caplog: pytest.LogCaptureFixture
) -> None:
    service = _mailing(make_service, smtp_tls, **_login(smtp_tls, "wrong-password-123"))
    refused = service.http.post(CODES, json={"email": "ann@example.com", "purpose": "login"})
    assert (refused.status_code, error_code_of(refused)) == (503, "SENDER_UNAVAILABLE")
    assert smtp_tls.outbox.messages("ann@example.com") == []
    assert "wrong-password-123" not in caplog.text
    assert "SMTPAuthenticationError" in caplog.text
