"""Verification-code settings (issue 23): one mixin of :class:`wxsession.settings.Settings`.

Codes, their send limits and the CAPTCHA that follows too many sends, and the SMTP server
mail goes through. The environment names are ``WXSESSION_`` + the field name.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr


class CodeSettings(BaseModel):
    """Verification codes by SMS and mail (docs/login-methods.md#verification-codes)."""

    # A code: valid code_ttl seconds, at most code_max_tries wrong tries, one use.
    code_ttl: int = Field(default=300, ge=60, le=3600)
    code_max_tries: int = Field(default=5, ge=1, le=10)
    # Sends (each a 429 with Retry-After beyond it): per address one per code_send_interval
    # seconds and code_sends_per_address_day a day; per client network (IPv6: its /64)
    # code_sends_per_ip in code_send_ip_window seconds; code_sends_per_minute in total.
    code_send_interval: int = Field(default=60, ge=1, le=3600)
    code_sends_per_address_day: int = Field(default=10, ge=1, le=1000)
    code_sends_per_ip: int = Field(default=20, ge=1, le=100_000)
    code_send_ip_window: int = Field(default=3600, ge=1, le=86_400)
    code_sends_per_minute: int = Field(default=100, ge=1, le=1_000_000)
    # CAPTCHA (403 CAPTCHA_REQUIRED): once an address or a client network had this many sends
    # or refused codes within code_captcha_window seconds, its next sends need a solved one
    # (0: always). A challenge (GET /v1/auth/captcha) is good for captcha_ttl seconds, once.
    code_captcha_after: int = Field(default=3, ge=0, le=1000)
    code_captcha_window: int = Field(default=3600, ge=1, le=86_400)
    captcha_ttl: int = Field(default=300, ge=30, le=3600)
    captcha_challenges_per_ip: int = Field(default=30, ge=1, le=100_000)  # a minute

    # Mail (SMTP). Unset smtp_host: no mail outside dev mode (dev mode: the emulator's own SMTP
    # server). smtp_starttls upgrades the connection before logging in (port 587); smtp_tls
    # speaks TLS from the start (port 465). smtp_from is the From: address.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "wxsession <no-reply@localhost>"
    smtp_starttls: bool = True
    smtp_tls: bool = False
    smtp_timeout: float = Field(default=10.0, gt=0, le=120)
    # A PEM file of the certificates to trust for the SMTP server (a private relay's CA);
    # unset: the system's.
    smtp_ca_file: str | None = None
