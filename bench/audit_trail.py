"""What the audit table costs a login: the observer's work on the request's path (turning the
event into a row and queueing it), and the writer's batched insert off that path, per row, on
SQLite and PostgreSQL (``--postgres`` starts one, as the test suite does). Prints figures.

    .venv/bin/python bench/audit_trail.py [--postgres]

A login is an HTTP request, a platform call and SQL (milliseconds); compare the per-login
figures printed here with that. bench/run.py's login case is the end-to-end measure (on a
quiet machine).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools.servers import PostgresProcess
from wxsession import migrate
from wxsession.audit_log.writer import AuditWriter
from wxsession.db import create_engine
from wxsession.logging_setup import request_id
from wxsession.services.events import LoggedIn

OBSERVED = 200_000
ROWS = 20_000
BATCH = 500
ROUNDS = 5


def _login(n: int) -> LoggedIn:
    return LoggedIn(
        user=f"{n:032x}",
        provider="wechat",
        app="wxbench00000000000",
        registered=True,
        ip="203.0.113.7",
        session="f" * 16,
        replaced=None,
        device="iPhone WeChat 8.0",
    )


def observe_us() -> float:
    """Microseconds the observer adds to a request: build the row, queue it."""
    writer = AuditWriter(create_engine("sqlite+aiosqlite://"), retention_days=1, capacity=OBSERVED)
    event = _login(1)
    request_id.set("bench-request-0001")
    started = time.perf_counter()
    for _ in range(OBSERVED):
        writer.observe(event)
    return (time.perf_counter() - started) / OBSERVED * 1e6


async def flush_us(url: str) -> tuple[float, float]:
    """Microseconds per row of a batched insert (batches of :data:`BATCH`; the flush alone,
    off the request's path), median of the rounds, and a batch's milliseconds."""
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        writer = AuditWriter(engine, retention_days=1, capacity=ROWS)
        per_row: list[float] = []
        for _ in range(ROUNDS):
            spent = 0.0
            for start in range(0, ROWS, BATCH):
                for n in range(start, start + BATCH):
                    writer.observe(_login(n))
                started = time.perf_counter()
                assert await writer.flush()
                spent += time.perf_counter() - started
            per_row.append(spent / ROWS * 1e6)
        median = statistics.median(per_row)
        return median, median * BATCH / 1000
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="also on a PostgreSQL it starts")
    args = parser.parse_args()
    print(f"observer on the request's path: {observe_us():.2f} us per event")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        row, batch = asyncio.run(flush_us(url))
        print(f"SQLite file, batches of {BATCH}: {row:.1f} us per row ({batch:.1f} ms per batch)")
    if args.postgres:
        postgres = PostgresProcess()
        postgres.start()
        try:
            url = postgres.create_database("wxs_bench_audit")
            row, batch = asyncio.run(flush_us(url))
            print(
                f"PostgreSQL, batches of {BATCH}: {row:.1f} us per row ({batch:.1f} ms per batch)"
            )
        finally:
            postgres.stop()


if __name__ == "__main__":
    main()
