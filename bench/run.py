"""Session validation throughput on this machine: wxsession against the raw ASGI ceiling.

Run from the repository root with the dev install: ``.venv/bin/python bench/run.py``.
It starts every server itself on loopback (a Redis-protocol server, wxsession on SQLite and
on Redis, a raw ASGI app), drives each with wrk (found on PATH, or installed with apt when
running as root) for a bounded time, alternates them over several rounds, prints a table of
median requests/s and p99 latency, and writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.servers import RedisProcess

from wxsession.server.background import free_port

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def find_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
        wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is needed: install it (apt-get install wrk) and run again")
    return wrk


@contextmanager
def process(args: list[str], env: dict[str, str], cwd: Path, port: int) -> Iterator[str]:
    """Run a server process until the block ends; yields its base URL once it answers."""
    proc = subprocess.Popen(
        args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                error = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"{args[2]} exited: {error}")
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def wxsession_server(stack: ExitStack, workdir: Path, store: str) -> tuple[str, str]:
    """A dev-mode `wxsession serve` (one worker, warnings only); returns its URL and a token."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WXSESSION_")}
    env.update(
        WXSESSION_DATABASE_URL=f"sqlite+aiosqlite:///{workdir / f'users-{port}.db'}",
        WXSESSION_SESSION_STORE=store,
        WXSESSION_LOG_LEVEL="warning",
    )
    args = [sys.executable, "-m", "wxsession.cli", "serve", "--port", str(port)]
    url = stack.enter_context(process(args, env, workdir, port))
    code = httpx.post(f"{url}/_emulator/login", json={"user": "bench"}).json()["code"]
    token = httpx.post(f"{url}/v1/auth/wechat/login", json={"code": code}).json()["session_id"]
    return url, token


def raw_server(stack: ExitStack, workdir: Path) -> str:
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.raw_asgi:app",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return stack.enter_context(process(args, dict(os.environ), ROOT, port))


def wrk(
    binary: str, url: str, token: str | None, seconds: int, connections: int
) -> dict[str, float]:
    args = [binary, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if token:
        args[1:1] = ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} non-2xx answers; the run is not valid")
    return {"rps": rps, "p99_ms": float(value) * _UNITS[unit]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    options = parser.parse_args()
    binary = find_wrk()

    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        redis = RedisProcess()
        redis.start()
        stack.callback(redis.stop)
        sql_url, sql_token = wxsession_server(stack, workdir, "sql")
        redis_url, redis_token = wxsession_server(stack, workdir, redis.url)
        introspect = "/v1/session/introspect"
        cases = {
            "raw ASGI ceiling (constant JSON)": (raw_server(stack, workdir), None),
            "GET /v1/session/introspect, Redis store": (redis_url + introspect, redis_token),
            "GET /v1/session/introspect, SQLite store": (sql_url + introspect, sql_token),
            "GET /v1/me, Redis store + SQLite users": (f"{redis_url}/v1/me", redis_token),
            "GET /v1/me, SQLite store + users": (f"{sql_url}/v1/me", sql_token),
        }
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in cases}
        for _ in range(options.rounds):
            for name, (url, token) in cases.items():
                runs[name].append(wrk(binary, url, token, options.seconds, options.connections))

    ceiling = statistics.median(r["rps"] for r in runs["raw ASGI ceiling (constant JSON)"])
    results = []
    print(f"{'case':48} {'req/s':>9} {'p99 ms':>8} {'of ceiling':>10}")
    for name, samples in runs.items():
        rps = statistics.median(s["rps"] for s in samples)
        p99 = statistics.median(s["p99_ms"] for s in samples)
        results.append({"case": name, "rps": rps, "p99_ms": p99, "samples": samples})
        print(f"{name:48} {rps:9.0f} {p99:8.2f} {rps / ceiling:10.0%}")
    facts = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "rounds": options.rounds,
        "seconds": options.seconds,
        "connections": options.connections,
    }
    options.out.write_text(json.dumps({"machine": facts, "results": results}, indent=2) + "\n")
    print(f"wrote {options.out}")


if __name__ == "__main__":
    main()
