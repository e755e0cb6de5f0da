"""Reaching Redis in its three shapes, and checking that it may hold sessions at all.

URL forms (the ``redis+cluster`` and ``redis+sentinel`` schemes are the ones ``limits`` reads,
so the login throttle's storage can be built from the same setting)::

    redis://[[user]:password@]host:port[/db]     one server (also rediss://, unix://)
    redis+cluster://[[user]:password@]host:port[,host:port...]
    redis+sentinel://[[user]:password@]host:port[,host:port...]/service_name

Clustering is redis-py's, never ours: ``RedisCluster`` follows the slot map (and MOVED/ASK),
``Sentinel.master_for`` asks the sentinels for the master. Reads never go to replicas: a
replica lags its master, and a session check answered from a replica could accept a session
that was just revoked. Cluster clients are built without a load-balancing strategy (every
command goes to the slot's master); Sentinel clients only with ``master_for``, over a
connection that also asks the server its ``ROLE`` when it connects, so an address a sentinel
has not yet updated (the old master, demoted) is refused instead of served from. redis-py
re-asks the sentinels only when it opens a connection, and a forced failover leaves the old
master answering as a master for several seconds; pooled connections would keep reading it.
So the pool also re-asks at most once a second (:data:`MASTER_RECHECK`) and moves any
connection still on another address.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit

from redis.asyncio import BlockingConnectionPool, Redis, RedisCluster
from redis.asyncio.cluster import ClusterNode
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool, SentinelManagedConnection
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError

from wxsession.core.errors import ConfigurationError

log = logging.getLogger("wxsession")

CLUSTER_SCHEME = "redis+cluster"
SENTINEL_SCHEME = "redis+sentinel"
SINGLE_SCHEMES = ("redis", "rediss", "unix")
SCHEMES = (*SINGLE_SCHEMES, CLUSTER_SCHEME, SENTINEL_SCHEME)
SAFE_POLICY = "noeviction"
DEFAULT_MAX_CONNECTIONS = 100
"""Connections per Redis client when ``max_connections`` is not given (redis-py's default)."""

MASTER_RECHECK = 1.0
"""Seconds between two questions to the sentinels about who the master is (per process)."""

RedisClient = Redis | RedisCluster
"""What every Redis user in wxsession holds: one server (or Sentinel's master) or a cluster."""


@dataclass(frozen=True)
class RedisTarget:
    """A parsed Redis setting. ``url`` is kept whole for the one-server case (redis-py parses
    its query options); ``nodes`` are the cluster seeds or the sentinels."""

    kind: Literal["single", "cluster", "sentinel"]
    url: str = field(repr=False)  # may hold the password
    nodes: tuple[tuple[str, int], ...] = ()
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    service_name: str | None = None


def is_redis_url(value: str) -> bool:
    return value.partition("://")[0] in SCHEMES and "://" in value


def parse_redis_url(url: str) -> RedisTarget:
    """Split a Redis setting into what the client needs; :class:`ValueError` names the fault."""
    scheme, sep, _ = url.partition("://")
    if not sep or scheme not in SCHEMES:
        raise ValueError(f"the scheme must be one of {', '.join(s + '://' for s in SCHEMES)}")
    if scheme in SINGLE_SCHEMES:
        return RedisTarget("single", url)
    parts = urlsplit(url)
    userinfo, at, hosts = parts.netloc.rpartition("@")
    username, _, password = userinfo.partition(":") if at else ("", "", "")
    nodes = tuple(_host_port(item) for item in hosts.split(",") if item.strip())
    if not nodes:
        raise ValueError(f"{scheme}:// needs at least one host:port")
    path = parts.path.strip("/")
    if scheme == CLUSTER_SCHEME:
        if path:
            raise ValueError("a cluster has only database 0: drop the path after host:port")
        kind: Literal["cluster", "sentinel"] = "cluster"
    else:
        if not path or "/" in path:
            raise ValueError("redis+sentinel:// needs the service name as the path: …/mymaster")
        kind = "sentinel"
    return RedisTarget(
        kind,
        url,
        nodes,
        username=unquote(username) or None,
        password=unquote(password) or None,
        service_name=unquote(path) or None,
    )


def _host_port(item: str) -> tuple[str, int]:
    host, colon, port = item.strip().rpartition(":")
    if not colon or not port.isdigit() or not host:
        raise ValueError(f"{item.strip()!r} is not host:port")
    return host.strip("[]"), int(port)


class MasterOnlyConnection(SentinelManagedConnection):
    """Sentinel's connection, refusing a server that is not (or no longer) a master.

    Right after a failover a sentinel may still name the old master, now a replica; reads
    there would succeed, from data that lags. The ``ROLE`` check turns that into a
    connection error, which the store reports as 503 until the sentinels agree.
    """

    async def connect_to(self, address: tuple[str, int]) -> None:
        await super().connect_to(address)  # type: ignore[no-untyped-call]
        await self.send_command("ROLE", check_health=False)
        role = await self.read_response()
        name = role[0].decode() if isinstance(role[0], bytes) else str(role[0])
        if name != "master":
            await self.disconnect()
            raise RedisConnectionError(f"{self.host}:{self.port} is a {name}, not the master")


class FreshMasterPool(SentinelConnectionPool):
    """Sentinel's pool, re-asking who the master is at most every :data:`MASTER_RECHECK`
    seconds and reconnecting a pooled connection that is still on an older address."""

    def __init__(self, service_name: str, sentinel_manager: Sentinel, **kwargs: Any) -> None:
        super().__init__(service_name, sentinel_manager, **kwargs)  # type: ignore[no-untyped-call]
        self._asked = 0.0

    async def get_connection(self, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() - self._asked >= MASTER_RECHECK:
            self._asked = time.monotonic()
            await self.get_master_address()  # type: ignore[no-untyped-call]
        connection = await super().get_connection(*args, **kwargs)  # type: ignore[no-untyped-call]
        if (connection.host, connection.port) != self.master_address:
            try:
                await connection.disconnect()
                await connection.connect()
            except BaseException:
                await self.release(connection)
                raise
        return connection


def connect(
    url: str,
    *,
    timeout: float = 1.0,
    health_check_interval: int = 15,
    max_connections: int | None = None,
) -> RedisClient:
    """A pooled client for ``url`` that fails fast: each call gives up after about two
    ``timeout``s (one retry after a short back-off), so a dead or hung Redis becomes a 503
    well inside an HTTP budget instead of redis-py's default 5 s times 10 retries."""
    target = parse_redis_url(url)
    retry = Retry(ExponentialWithJitterBackoff(cap=0.2, base=0.05), retries=1)
    options: dict[str, Any] = {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "health_check_interval": health_check_interval,
        "retry": retry,
    }
    if target.kind == "single":
        # Blocking: a burst beyond the pool waits (up to ``timeout``) for a connection instead
        # of failing at once with MaxConnectionsError, which would turn it into 503s.
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections or DEFAULT_MAX_CONNECTIONS,
            timeout=timeout,
            **options,
        )
        return Redis.from_pool(pool)
    auth: dict[str, Any] = {"username": target.username, "password": target.password}
    if target.kind == "cluster":
        return RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in target.nodes],
            require_full_coverage=True,
            max_connections=max_connections or DEFAULT_MAX_CONNECTIONS,
            **auth,
            **options,
        )
    sentinel = Sentinel(  # type: ignore[no-untyped-call,unused-ignore]  # typed from redis 8
        list(target.nodes),
        sentinel_kwargs={"socket_timeout": timeout, "socket_connect_timeout": timeout, **auth},
        **auth,
    )
    assert target.service_name is not None
    client: Redis = sentinel.master_for(
        target.service_name,
        connection_class=MasterOnlyConnection,
        connection_pool_class=FreshMasterPool,
        max_connections=max_connections,
        **options,
    )
    return client


class ChannelNodes:
    """The servers a subscriber must listen on to hear every announcement on ``channel``,
    asked again whenever :meth:`find` is called.

    - One server: that server.
    - Sentinel: the master the sentinels name now *and* every replica they report alive.
      A replica hears its master's ``PUBLISH`` through replication, and publishes of its own
      once promoted, so a subscriber on all of them hears every announcement across a
      failover, whichever server the publishers are on (the old master until their pool
      moves, the new one after); a node no sentinel reports is not a node a sentinel could
      promote. Asked every heartbeat (:attr:`periodic`), so a node added or promoted is
      subscribed to before the cache trusts again.
    - Cluster: the master owning ``channel``'s slot, for sharded pub/sub (``SSUBSCRIBE`` and
      ``SPUBLISH``, Redis 7): the publisher's command runs on the very server the subscriber
      listens on, so a PING answered there proves the subscriber heard it. (Classic
      ``PUBLISH`` reaches the other nodes over the cluster bus, later than its reply: a PING
      on the subscriber's node would prove nothing.) When the slot moves, by migration or
      failover, that node unsubscribes the subscriber, which then asks again.
    """

    def __init__(self, url: str, channel: str, *, timeout: float = 1.0) -> None:
        self.target = parse_redis_url(url)
        self.url = url
        self.channel = channel
        self.timeout = timeout
        self.sharded = self.target.kind == "cluster"
        self.periodic = self.target.kind == "sentinel"
        self._sentinel: Sentinel | None = None

    async def find(self) -> tuple[str, ...]:
        """The servers' ``redis://`` URLs; :class:`OSError` when the topology cannot say."""
        try:
            if self.target.kind == "single":
                return (self.url,)
            if self.target.kind == "cluster":
                return (self._node_url(*await self._slot_owner()),)
            return tuple(self._node_url(*address) for address in await self._sentinel_nodes())
        except RedisError as exc:
            raise OSError(f"the {self.target.kind} did not say where to listen: {exc}") from exc

    async def aclose(self) -> None:
        if self._sentinel is not None:
            for client in self._sentinel.sentinels:
                await client.aclose()

    async def _slot_owner(self) -> tuple[str, int]:
        cluster = RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in self.target.nodes],
            username=self.target.username,
            password=self.target.password,
            socket_timeout=self.timeout,
            socket_connect_timeout=self.timeout,
        )
        try:
            await cluster.initialize()
            node = cluster.get_node_from_key(self.channel)
            if node is None:
                raise OSError(f"no master owns the slot of {self.channel}")
            return node.host, int(node.port)
        finally:
            await cluster.aclose()

    async def _sentinel_nodes(self) -> list[tuple[str, int]]:
        if self._sentinel is None:
            auth = {"username": self.target.username, "password": self.target.password}
            timeouts = {"socket_timeout": self.timeout, "socket_connect_timeout": self.timeout}
            self._sentinel = Sentinel(  # type: ignore[no-untyped-call,unused-ignore]
                list(self.target.nodes), sentinel_kwargs={**timeouts, **auth}
            )
        assert self.target.service_name is not None
        master = await self._sentinel.discover_master(self.target.service_name)
        replicas = await self._sentinel.discover_slaves(self.target.service_name)
        return [(str(host), int(port)) for host, port in (master, *replicas)]

    def _node_url(self, host: str, port: int) -> str:
        credentials = ""
        if self.target.password is not None:
            user = quote(self.target.username or "", safe="")
            credentials = f"{user}:{quote(self.target.password, safe='')}@"
        return f"redis://{credentials}{host}:{port}/0"


async def ensure_noeviction(client: RedisClient, *, setting: str) -> None:
    """Refuse a Redis that may evict keys under memory pressure.

    Evicting a session logs a user out at random; evicting a rate-limit counter hands an
    attacker a fresh quota. Only ``maxmemory-policy noeviction`` (writes fail, as 503s, when
    memory is full) is safe. Asks ``CONFIG GET`` and, where CONFIG is disabled or renamed (as
    on many managed services), ``INFO memory``; on a cluster every master is asked. When no
    answer can be had (Redis down at start, or a user allowed neither command) this warns and
    lets the process start: the store still fails closed, and readiness reports it.
    """
    nodes: list[Any] = [None]
    try:
        if isinstance(client, RedisCluster):
            await client.initialize()
            nodes = list(client.get_primaries())
        for node in nodes:
            policy = await _policy(client, node)
            if policy is None:
                log.warning(
                    "could not read maxmemory-policy from Redis (CONFIG and INFO refused); "
                    "make sure it is %s, or sessions may be evicted",
                    SAFE_POLICY,
                )
            elif policy != SAFE_POLICY:
                where = f" ({node.name})" if node is not None else ""
                raise ConfigurationError(
                    f"{setting}: the Redis{where} has maxmemory-policy {policy}, which may "
                    f"evict sessions and rate-limit counters; set maxmemory-policy "
                    f"{SAFE_POLICY} on it (redis.conf or CONFIG SET) and start again"
                )
    except (RedisError, OSError) as exc:
        log.warning("could not check Redis' maxmemory-policy at start (%s)", type(exc).__name__)


async def _policy(client: RedisClient, node: Any) -> str | None:
    target = {} if node is None else {"target_nodes": node}
    try:
        reply = await client.execute_command("CONFIG GET", "maxmemory-policy", **target)
        value = reply.get("maxmemory-policy") or reply.get(b"maxmemory-policy")
        if value is not None:
            return value.decode() if isinstance(value, bytes) else str(value)
    except ResponseError:
        pass  # CONFIG renamed, disabled or not allowed to this user: try INFO
    try:
        info = await client.execute_command("INFO", "memory", **target)
    except ResponseError:
        return None
    value = info.get("maxmemory_policy") if isinstance(info, dict) else None
    return None if value is None else str(value)
