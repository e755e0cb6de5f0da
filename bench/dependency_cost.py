"""CPU per request of the session check, in-process: the FastAPI dependency against a
minimal hand-written one, and the service's introspection and ``GET /v1/me``.

bench/run.py measures these over HTTP with wrk, which shares the machine's two cores with the
servers; this drives the ASGI apps directly in one event loop instead and reads the process's
CPU time, which other load disturbs least. One session is issued through dev mode's real
login on a real Redis (``devtools.servers.RedisProcess``, or ``REDIS_URL``), users in SQLite.

Cases, in µs of CPU per request (each round runs every case in turn; the medians of the
rounds are printed, and the smallest figure, the least disturbed):

- ``raw``: bench/raw_asgi.py, the harness's own floor;
- ``orders``, ``minimal``, ``floor``, ``plain``, ``inline``: bench/user_app.py's routes;
- ``introspect``, ``me``: the service's ``GET /v1/session/introspect`` and ``GET /v1/me``;
- ``current_user``, ``minimal_session``: the two dependencies awaited directly with a new
  request and FastAPI's sub-response, less what building those costs (``objects``): the
  checks alone, without FastAPI.

::

    .venv/bin/python bench/dependency_cost.py                      # this checkout
    .venv/bin/python bench/dependency_cost.py --against ../before  # alternate with another
    .venv/bin/python bench/dependency_cost.py --profile orders     # cProfile of one case

``--against`` runs this script in fresh processes, alternately on this checkout's ``src``
and on the other's (its ``src`` first on ``PYTHONPATH``; bench/user_app.py is this one's),
and prints both columns.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(1, str(ROOT))  # after a --against checkout's src, which PYTHONPATH put first

from devtools.servers import RedisProcess

Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
Once = Callable[[], Awaitable[object]]
Pick = Callable[[list[float]], float]
"""How a column's figures are summed up: their median, or their minimum."""
USER_CASES = ("orders", "minimal", "floor", "plain", "inline")
SERVICE_CASES = {"introspect": "/v1/session/introspect", "me": "/v1/me"}
DIRECT_CASES = ("current_user", "minimal_session")
CASES = ("raw", *USER_CASES, *SERVICE_CASES, *DIRECT_CASES)


def scope(path: str, token: str | None, method: str = "GET") -> dict[str, Any]:
    headers = [(b"host", b"bench"), (b"user-agent", b"bench")]
    if token is not None:
        headers.append((b"authorization", b"Bearer " + token.encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def call(app: Asgi, request: dict[str, Any], body: bytes = b"") -> tuple[int, bytes]:
    """One request through ``app``: its status and body."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(dict(request, state={}), receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def requesting(app: Asgi, request: dict[str, Any]) -> Once:
    """One request through ``app``, its answer dropped."""
    message = {"type": "http.request", "body": b"", "more_body": False}

    async def receive() -> dict[str, Any]:
        return message

    async def send(_: dict[str, Any]) -> None:
        return None

    def once() -> Awaitable[None]:
        return app(dict(request, state={}), receive, send)

    return once


async def lifespan(app: Asgi) -> Callable[[], Awaitable[None]]:
    """Start ``app``'s lifespan; returns what shuts it down."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    task = asyncio.create_task(app({"type": "lifespan", "state": {}}, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    started = await outbox.get()
    if started["type"] != "lifespan.startup.complete":
        raise RuntimeError(f"start-up failed: {started}")

    async def stop() -> None:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task

    return stop


async def login(service: Asgi) -> str:
    """A session through dev mode's emulator and the real login, as a client gets one."""
    post = scope("/_emulator/login", None, "POST")
    post["headers"] = [*post["headers"], (b"content-type", b"application/json")]
    _, answer = await call(service, post, json.dumps({"user": "bench"}).encode())
    code = json.loads(answer)["code"]
    post["path"] = post["raw_path"] = "/v1/auth/wechat/login"
    _, answer = await call(service, post, json.dumps({"code": code}).encode())
    token: str = json.loads(answer)["session_id"]
    return token


async def loop(once: Once, count: int) -> float:
    """µs of CPU per call of ``once`` over ``count`` calls. Each call is followed by one
    turn of the event loop, as each request is under a server: the invalidation
    subscription keeps answering its heartbeat, so the hot-session cache stays trusted."""
    started = time.process_time()
    for _ in range(count):
        await once()
        await asyncio.sleep(0)
    return (time.process_time() - started) / count * 1e6


def direct(app: Any, token: str) -> dict[str, Once]:
    """The dependencies awaited directly, and the objects each call is given alone."""
    from bench import user_app
    from fastapi import Request, Response

    from wxsession.integrations import fastapi as wxs

    request_scope = dict(scope("/orders", token), app=app)

    def objects() -> tuple[Request, Response]:
        response = Response()  # as FastAPI's solve_dependencies makes its sub-response
        del response.headers["content-length"]
        return Request(dict(request_scope, state={})), response

    async def current_user() -> object:
        return await wxs.current_user(*objects())

    async def minimal_session() -> object:
        return await user_app.minimal_session(objects()[0])

    async def nothing() -> object:
        return objects()

    return {"current_user": current_user, "minimal_session": minimal_session, "objects": nothing}


async def measure(options: argparse.Namespace) -> dict[str, list[float]]:
    from bench import raw_asgi, user_app

    from wxsession.server.app import create_app

    service: Asgi = create_app()
    stops = [await lifespan(service), await lifespan(user_app.app)]
    try:
        token = await login(service)
        requests: dict[str, tuple[Asgi, dict[str, Any]]] = {"raw": (raw_asgi.app, scope("/", None))}
        for name in USER_CASES:
            needs = None if name in ("floor", "plain") else token
            requests[name] = (user_app.app, scope("/" + name, needs))
        for name, path in SERVICE_CASES.items():
            requests[name] = (service, scope(path, token))
        for name, (app, request) in requests.items():  # warm up, and check each answers
            status, body = await call(app, request)
            if status != 200:
                raise RuntimeError(f"{name}: {status} {body[:200]!r}")
        cases = {name: requesting(*request) for name, request in requests.items()}
        cases.update(direct(user_app.app, token))
        for once in cases.values():
            await loop(once, 200)
        if options.profile:
            return await profile(cases[options.profile], options)
        figures: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(options.rounds):
            for name, once in cases.items():
                figures[name].append(await loop(once, options.requests))
        for name in DIRECT_CASES:  # less what building the request and response cost
            figures[name] = [a - b for a, b in zip(figures[name], figures["objects"], strict=True)]
        del figures["objects"]
        return figures
    finally:
        for stop in reversed(stops):
            await stop()


async def profile(once: Once, options: argparse.Namespace) -> dict[str, list[float]]:
    profiler = cProfile.Profile()
    profiler.enable()
    await loop(once, options.requests)
    profiler.disable()
    stats = pstats.Stats(profiler)
    if options.dump:
        stats.dump_stats(options.dump)
    stats.sort_stats(options.sort).print_stats(options.lines)
    return {}


def settings_env(workdir: Path, redis_url: str) -> dict[str, str]:
    return {
        "WXSESSION_SESSION_STORE": redis_url,
        "WXSESSION_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'users.db'}",
        "WXSESSION_DEV_MODE": "true",
        "WXSESSION_LOG_LEVEL": "warning",
    }


def run_here(options: argparse.Namespace) -> dict[str, list[float]]:
    redis_process = RedisProcess.from_env()
    redis_process.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name in [k for k in os.environ if k.startswith("WXSESSION_")]:
                del os.environ[name]
            os.environ.update(settings_env(Path(tmp), redis_process.url))
            import uvloop

            return uvloop.run(measure(options))
    finally:
        redis_process.stop()


def table(columns: dict[str, dict[str, list[float]]]) -> str:
    """Per case and column: the median and the smallest figure; then ``/orders`` against
    ``/minimal`` (a ratio) and our check against the minimal one (a difference)."""
    lines = [f"{'µs CPU/request':<17}" + "".join(f"{name:>26}" for name in columns)]

    def row(label: str, figure: Callable[[Pick, dict[str, list[float]]], float]) -> None:
        cells = (
            f"{figure(statistics.median, c):>14.3f} (min {figure(min, c):6.3f})"
            for c in columns.values()
        )
        lines.append(f"{label:<17}" + "".join(cells))

    for case in CASES:
        row(case, lambda pick, c, case=case: pick(c[case]))
    row("orders / minimal", lambda pick, c: pick(c["orders"]) / pick(c["minimal"]))
    row("check - minimal", lambda pick, c: pick(c["current_user"]) - pick(c["minimal_session"]))
    return "\n".join(lines)


def alternate(options: argparse.Namespace) -> None:
    """Fresh processes, alternately on this checkout and on ``--against``'s; every figure of
    every process pooled per column."""
    checkouts = {"this": ROOT, "against": options.against.resolve()}
    columns: dict[str, dict[str, list[float]]] = {n: {c: [] for c in CASES} for n in checkouts}
    redis_process = RedisProcess.from_env()
    redis_process.start()
    try:
        for turn in range(options.alternations):
            order = list(checkouts.items())
            for name, checkout in order if turn % 2 == 0 else reversed(order):
                env = dict(os.environ, REDIS_URL=redis_process.url)
                env["PYTHONPATH"] = f"{checkout / 'src'}{os.pathsep}{ROOT}"
                args = [sys.executable, __file__, "--json", "--rounds", str(options.rounds)]
                args += ["--requests", str(options.requests)]
                out = subprocess.run(args, env=env, check=True, capture_output=True, text=True)
                for case, values in json.loads(out.stdout.splitlines()[-1]).items():
                    columns[name][case] += values
            print(f"alternation {turn + 1}/{options.alternations}", file=sys.stderr, flush=True)
    finally:
        redis_process.stop()
    print(table(columns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="per case and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", choices=[*CASES, "objects"], help="cProfile one case")
    parser.add_argument("--sort", default="tottime", help="with --profile: pstats sort key")
    parser.add_argument("--lines", type=int, default=40, help="with --profile: rows shown")
    parser.add_argument("--dump", help="with --profile: also write the stats to this file")
    parser.add_argument("--against", type=Path, help="another checkout to alternate with")
    parser.add_argument("--alternations", type=int, default=4, help="with --against")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args()
    if options.against is not None:
        alternate(options)
        return
    figures = run_here(options)
    if options.json:
        print(json.dumps(figures))
    elif figures:
        print(table({"this checkout": figures}))


if __name__ == "__main__":
    main()
