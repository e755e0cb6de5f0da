"""Redis memory per session, for docs/performance.md and the sizing table in docs/deployment.md.

Creates ``--count`` sessions the way a WeChat login does (through the real ``SessionManager``
and ``RedisSessionStore``) on an empty server of its own (the Valkey binary the tests use,
``noeviction``, no persistence) and prints the growth of ``used_memory`` per session: with one
session per user (each user's hash holds one session) and with ``--per-user`` sessions per
user, each with and without a typical WeChat user agent (kept as a short label).
``bench/run.py`` calls :func:`bytes_per_session` for its report.
Run: ``.venv/bin/python bench/redis_memory.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devtools.servers import RedisProcess
from wxsession.accounts.models import new_user_id
from wxsession.core.device import Device
from wxsession.core.identity import Identity
from wxsession.sessions.manager import SessionManager
from wxsession.sessions.redis import RedisSessionStore

WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN"
)
APPID = "wx5e1f0c3a9b7d2e46"
BATCH = 50  # concurrent creates; below redis-py's default pool of 100 connections


async def bytes_per_session(count: int, per_user: int = 1, user_agent: str | None = None) -> float:
    """used_memory growth per session over ``count`` sessions, ``per_user`` to a user."""
    server = RedisProcess()
    server.start()
    try:
        store = RedisSessionStore.from_url(server.url)
        manager = SessionManager(store, idle_ttl=7200, max_age=30 * 86400, touch_interval=60)
        users = [new_user_id() for _ in range(count)]
        device = Device(user_agent=user_agent, ip="203.0.113.7")
        info = redis.Redis.from_url(server.url)
        before = int(info.info("memory")["used_memory"])
        for start in range(0, count, BATCH):
            await asyncio.gather(
                *(
                    manager.create(
                        Identity("wechat", APPID, f"oUpF8u{n // per_user:022d}"),
                        users[n // per_user],
                        device,
                    )
                    for n in range(start, min(start + BATCH, count))
                )
            )
        after = int(info.info("memory")["used_memory"])
        info.close()
        await store.close()
        return (after - before) / count
    finally:
        server.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--per-user", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.count} sessions, bytes of used_memory per session:")
    for per_user in sorted({1, args.per_user}):
        for label, agent in (("no user agent", None), ("WeChat user agent", WECHAT_UA)):
            figure = await bytes_per_session(args.count, per_user, agent)
            print(f"  {per_user} session(s) per user, {label}: {figure:.0f}")


if __name__ == "__main__":
    asyncio.run(main())
