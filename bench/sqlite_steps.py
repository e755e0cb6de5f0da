"""How long SQLite may hold the event loop: the time a statement takes to reach
``sqlite_async.STEP_BUDGET`` virtual-machine steps (where it is interrupted and moved to its
connection's thread), beside the steps and time of the statements a login runs on the loop.

    .venv/bin/python bench/sqlite_steps.py

Run on a file database in WAL mode like the service's, with a users and identities table of
100 000 rows each (the login's lookup joins them by the identity's unique key).
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from wxsession.sqlite_async import STEP_BUDGET

ROWS = 100_000
LOOKUP = (
    "SELECT i.id, i.sealed, u.id, u.nickname, u.disabled FROM identities i "
    "JOIN users u ON u.id = i.user_id WHERE i.provider = 'wechat' AND i.app = 'wx1' "
    "AND i.subject = ?"
)
UPDATE = "UPDATE identities SET sealed = randomblob(64) WHERE id = ?"
RUN_ON = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c"


def database(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE users (id TEXT PRIMARY KEY, nickname TEXT, disabled INTEGER)")
    conn.execute(
        "CREATE TABLE identities (id INTEGER PRIMARY KEY, user_id TEXT, provider TEXT, "
        "app TEXT, subject TEXT, sealed BLOB, UNIQUE (provider, app, subject))"
    )
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO users VALUES (?, 'n', 0)", ((f"user{n:032d}",) for n in range(ROWS))
    )
    conn.executemany(
        "INSERT INTO identities (user_id, provider, app, subject, sealed) "
        "VALUES (?, 'wechat', 'wx1', ?, randomblob(64))",
        ((f"user{n:032d}", f"openid{n:024d}") for n in range(ROWS)),
    )
    conn.execute("COMMIT")
    return conn


def steps_and_time(
    conn: sqlite3.Connection, sql: str, params: tuple[object, ...]
) -> tuple[int, float]:
    """Steps the statement took (a progress handler counting every one) and its time without it."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    conn.set_progress_handler(count, 1)
    conn.execute(sql, params).fetchall()
    conn.set_progress_handler(None, 0)
    times = []
    for _ in range(200):
        start = time.perf_counter()
        conn.execute(sql, params).fetchall()
        times.append(time.perf_counter() - start)
    return steps, statistics.median(times)


def budget_time(conn: sqlite3.Connection) -> float:
    """Median time from a statement's start to its interruption at the budget."""
    conn.set_progress_handler(lambda: 1, STEP_BUDGET)
    times = []
    for _ in range(50):
        start = time.perf_counter()
        try:
            conn.execute(RUN_ON).fetchall()
        except sqlite3.OperationalError:
            times.append(time.perf_counter() - start)
    conn.set_progress_handler(None, 0)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        conn = database(Path(tmp) / "steps.db")
        subject = (f"openid{ROWS // 2:024d}",)
        lookup = steps_and_time(conn, LOOKUP, subject)
        conn.execute("BEGIN")
        update = steps_and_time(conn, UPDATE, (ROWS // 2,))
        conn.execute("COMMIT")
        bound = budget_time(conn)
        conn.close()
    print(f"the login's lookup: {lookup[0]} steps, {lookup[1] * 1e6:.1f} us")
    print(f"the login's update: {update[0]} steps, {update[1] * 1e6:.1f} us")
    print(f"STEP_BUDGET = {STEP_BUDGET} steps: interrupted after {bound * 1e3:.2f} ms (median)")


if __name__ == "__main__":
    main()
