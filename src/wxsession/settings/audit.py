"""Audit trail settings (issue 24): one mixin of :class:`wxsession.settings.Settings`."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AuditSettings(BaseModel):
    """How long the ``audit_events`` table keeps a row, and how its writer batches."""

    # Rows older than this many days are deleted by later writes (at most once a minute).
    audit_retention_days: int = Field(default=180, ge=1, le=36_500)
    # The writer inserts the rows gathered every audit_flush_seconds (or sooner, 500 at a
    # time); at most audit_queue_size rows wait while the database fails, then the oldest go.
    audit_flush_seconds: float = Field(default=1.0, gt=0, le=60)
    audit_queue_size: int = Field(default=10_000, ge=100, le=1_000_000)
