"""The dashboard's figures: users and live sessions from SQL, logins per minute and failures
by code over the last hours from the audit trail, and login results since start from the
process's metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from wxsession.accounts.directory import Directory
from wxsession.runtime import Runtime
from wxsession.server.console.charts import Chart, bar_chart
from wxsession.services.audit_trail import AuditCounts

HOURS = 3


@dataclass(frozen=True, slots=True)
class Dashboard:
    users: int
    sessions: int | None
    """``None`` on Redis, which keeps no global count."""
    logins_per_minute: Chart | None
    failures_by_code: Chart | None
    results_since_start: Chart | None
    hours: int = HOURS


async def gather(runtime: Runtime) -> Dashboard:
    directory = Directory(runtime.engine)
    now = runtime.sessions.clock()
    sessions = (
        await directory.count_sql_sessions(now) if runtime.settings.session_store == "sql" else None
    )
    counts = await runtime.services.audit_trail.counts(hours=HOURS)
    return Dashboard(
        users=await directory.count_users(),
        sessions=sessions,
        logins_per_minute=bar_chart(per_minute(counts, now)),
        failures_by_code=bar_chart(sorted(counts.failures_by_code.items())),
        results_since_start=bar_chart(login_results(runtime)),
    )


def per_minute(counts: AuditCounts, now: float) -> list[tuple[str, int]]:
    """Every minute of the window (the quiet ones at 0), labelled ``HH:MM`` in UTC."""
    seen = {int(at.timestamp()) // 60: count for at, count in counts.logins_per_minute}
    first, last = int(counts.since.timestamp()) // 60, int(now) // 60
    return [
        (datetime.fromtimestamp(minute * 60, UTC).strftime("%H:%M"), seen.get(minute, 0))
        for minute in range(first + 1, last + 1)
    ]


def login_results(runtime: Runtime) -> list[tuple[str, int]]:
    """Logins by result (``ok`` or the error code) counted by this process's metrics."""
    totals: dict[str, int] = {}
    for metric in runtime.metrics.logins.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                result = sample.labels["result"]
                totals[result] = totals.get(result, 0) + int(sample.value)
    return sorted(totals.items(), key=lambda item: (item[0] != "ok", item[0]))
