"""Brute-force throttling settings: one mixin of :class:`wxsession.settings.Settings`.

A feature's settings live in their own mixin here so :mod:`wxsession.settings` stays one
readable list of groups; the environment names are the same (``WXSESSION_`` + field name).
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class ThrottleSettings(BaseModel):
    """Login and code-login throttles, and the back-off after a platform's rate limit."""

    # Brute-force throttling of password logins (failed attempts count; ASVS 2.2.1).
    # At most this many failures per account and client IP in a moving window of
    # login_attempt_window seconds, and per account (from any IP) in an hour; then 429.
    login_attempts_per_account_ip: int = Field(default=10, ge=1, le=10_000)
    login_attempt_window: int = Field(default=900, ge=1, le=86_400)
    login_attempts_per_account_hour: int = Field(default=100, ge=1, le=100_000)
    # Code logins (issue 19; docs/security.md 2.2.1). Codes a platform refused (invalid, used)
    # per client IP (IPv6: its /64) in a moving window of code_login_failure_window seconds;
    # beyond it, 429 before the platform is called. Successes never count.
    code_login_failures_per_ip: int = Field(default=60, ge=1, le=1_000_000)
    code_login_failure_window: int = Field(default=600, ge=1, le=86_400)
    # After a platform answers 45011 (rate limit) or -1 (busy), logins through it answer 503
    # without calling it for this many seconds (0: never), doubling while it keeps answering
    # so, up to platform_backoff_max_seconds.
    platform_backoff_seconds: float = Field(default=5.0, ge=0, le=300)
    platform_backoff_max_seconds: float = Field(default=60.0, gt=0, le=3600)
