"""What the SQLite hot-session cache's check costs on the event loop: one
``PRAGMA data_version`` on a WAL file, as :mod:`wxsession.sessions.sql_feed` runs it once per
loop turn. Prints microseconds per check, quiet and with another connection committing.

    .venv/bin/python bench/data_version.py
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

CHECKS = 100_000


def per_check(watch: sqlite3.Connection) -> float:
    started = time.perf_counter()
    for _ in range(CHECKS):
        watch.execute("PRAGMA data_version").fetchone()
    return (time.perf_counter() - started) / CHECKS * 1e6


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("CREATE TABLE t (n INTEGER)")
        watch = sqlite3.connect(path, isolation_level=None)
        watch.execute("PRAGMA busy_timeout=0")
        print(f"quiet file: {per_check(watch):.1f} us per check")
        stop = threading.Event()

        def commit() -> None:
            while not stop.is_set():
                writer.execute("INSERT INTO t VALUES (1)")

        thread = threading.Thread(target=commit)
        thread.start()
        try:
            print(f"another connection committing: {per_check(watch):.1f} us per check")
        finally:
            stop.set()
            thread.join()
    print(f"sqlite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
