"""Operator console settings (issue 24): one mixin of :class:`wxsession.settings.Settings`."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ConsoleSettings(BaseModel):
    """The console at ``/admin``: off unless ``WXSESSION_CONSOLE=true``."""

    console: bool = False
    # An operator's console session ends after this many seconds without a request (ASVS
    # 4.0.3 3.3.2 asks 15 minutes at L3) and this long after sign-in whatever the activity.
    console_idle_seconds: int = Field(default=900, ge=60, le=86_400)
    console_max_age_seconds: int = Field(default=43_200, ge=300, le=7 * 86_400)
    # The issuer an authenticator app shows beside the operator's name.
    console_totp_issuer: str = Field(default="wxsession", min_length=1, max_length=64)
