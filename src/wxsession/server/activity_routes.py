"""``GET /v1/me/activity``: the signed-in user's own security events, newest first.

Like the account activity pages users know: sign-ins (with the device label and IP), failed
and throttled ones against the account, password and identity changes, sessions ended, and
what an operator did to the account. Read from the audit trail
(:class:`~wxsession.services.audit_trail.AuditTrail`), paged by keyset: the answer's
``next_before`` is the next page's ``before``. A row shows only what the user may see of
their own account: no request id, no operator name, no fingerprint.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from wxsession.audit_log.table import SELF
from wxsession.server.dependencies import RuntimeDep, SessionDep
from wxsession.server.schemas import Strict, error_responses
from wxsession.services.audit_trail import AuditEntry

router = APIRouter(prefix="/v1/me", tags=["me"])

MAX_PAGE = 100


class ActivityOut(Strict):
    id: int = Field(description="The event's id (pass the last one as `before` for the next page).")
    at: datetime
    event: str = Field(
        description="What happened: login, login_failed, login_throttled, registered, logout, "
        "logout_all, session_revoked, sessions_revoked, session_evicted, password_changed, "
        "password_change_failed, reauth_failed, identity_bound, identity_unbound, "
        "bind_failed, unbind_failed, user_disabled, user_enabled, wechat_data_throttled."
    )
    outcome: str = Field(description="success, failure or throttled.")
    reason: str | None = Field(description="For a failure: its error code.")
    provider: str | None = Field(description="The way in, for a sign-in or an identity change.")
    ip: str | None = Field(description="The client's IP address.")
    device: str | None = Field(
        description='For a sign-in: a short label of the device, e.g. "iPhone WeChat 8".'
    )
    by_operator: bool = Field(description="True when an operator did it, not the user.")


class ActivityPageOut(Strict):
    events: list[ActivityOut] = Field(description="Newest first.")
    next_before: int | None = Field(
        description="`before` for the next (older) page; null when this was the last."
    )


def _out(entry: AuditEntry) -> ActivityOut:
    provider = entry.details.get("provider")
    return ActivityOut(
        id=entry.id,
        at=entry.at,
        event=entry.event,
        outcome=entry.outcome,
        reason=entry.reason,
        provider=provider if isinstance(provider, str) else None,
        ip=entry.ip,
        device=entry.device,
        by_operator=entry.actor not in (SELF, None),
    )


@router.get(
    "/activity",
    response_model=ActivityPageOut,
    summary="The signed-in user's recent security events (sign-ins, password changes, ...)",
    responses=error_responses(401, 403, 503),
)
async def my_activity(
    runtime: RuntimeDep,
    active: SessionDep,
    before: Annotated[
        int | None, Query(ge=1, description="Only events older than this id.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Events per page.")] = 20,
) -> ActivityPageOut:
    found = await runtime.services.audit_trail.search(
        user_id=active.user_id, before_id=before, limit=limit + 1
    )
    page = found[:limit]
    more = len(found) > limit
    return ActivityPageOut(
        events=[_out(entry) for entry in page], next_before=page[-1].id if more else None
    )
