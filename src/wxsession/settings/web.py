"""Web and H5 client settings: one mixin of :class:`wxsession.settings.Settings`."""

from __future__ import annotations

from pydantic import BaseModel, Field

from wxsession.origins import OriginList


class WebSettings(BaseModel):
    """Cross-origin access from browser pages (issue 26)."""

    # Origins whose pages may call the API from a browser with credentials (the session
    # cookie, or an Authorization header): exact origins, comma-separated; never a wildcard
    # (origins.py refuses one). Empty: no CORS headers at all (docs/security.md, CORS).
    cors_origins: OriginList = Field(default_factory=list)
    # How long (seconds) a browser may cache a preflight's answer.
    cors_max_age: int = Field(default=600, ge=0, le=86_400)
