"""The Redis URL forms WXSESSION_SESSION_STORE accepts (the ``limits`` library's), and the
messages for the ones it refuses."""

from __future__ import annotations

import pytest

from wxsession.core.errors import ConfigurationError
from wxsession.redis_topology import ChannelNodes, RedisTarget, parse_redis_url
from wxsession.settings import load_settings


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://h:6379/2", RedisTarget("single", "redis://h:6379/2")),
        ("rediss://:pw@h:6380", RedisTarget("single", "rediss://:pw@h:6380")),
        ("unix:///run/redis.sock", RedisTarget("single", "unix:///run/redis.sock")),
        (
            "redis+cluster://:p%40ss@10.0.0.1:7000,10.0.0.2:7001",
            RedisTarget(
                "cluster",
                "redis+cluster://:p%40ss@10.0.0.1:7000,10.0.0.2:7001",
                (("10.0.0.1", 7000), ("10.0.0.2", 7001)),
                password="p@ss",
            ),
        ),
        (
            "redis+sentinel://app:pw@s1:26379,[::1]:26380/mymaster",
            RedisTarget(
                "sentinel",
                "redis+sentinel://app:pw@s1:26379,[::1]:26380/mymaster",
                (("s1", 26379), ("::1", 26380)),
                username="app",
                password="pw",
                service_name="mymaster",
            ),
        ),
    ],
)
def test_accepted_forms(url: str, expected: RedisTarget) -> None:
    target = parse_redis_url(url)
    assert target == expected
    assert target.password == expected.password  # not in the comparison's repr, but compared


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("memcached://h:1", "scheme must be one of"),
        ("redis+cluster://", "at least one host:port"),
        ("redis+cluster://h:7000/0", "only database 0"),
        ("redis+cluster://h", "'h' is not host:port"),
        ("redis+sentinel://s1:26379", "service name"),
        ("redis+sentinel://s1:26379/a/b", "service name"),
    ],
)
def test_refused_forms_name_the_fault(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_redis_url(url)
    with pytest.raises(ConfigurationError, match="WXSESSION_SESSION_STORE") as caught:
        load_settings(session_store=url)
    assert message.split("'")[0] in str(caught.value)


def test_the_password_never_shows_in_repr() -> None:
    assert "s3cret" not in repr(parse_redis_url("redis+cluster://:s3cret@h:7000"))


async def test_where_a_subscriber_listens_by_topology() -> None:
    one = ChannelNodes("redis://h:6379/3", "wxs:invalidate")
    assert await one.find() == ("redis://h:6379/3",)
    assert (one.sharded, one.periodic) == (False, False)
    cluster = ChannelNodes("redis+cluster://u:p%40ss@10.0.0.1:7000", "wxs:invalidate")
    assert (cluster.sharded, cluster.periodic) == (True, False)  # SSUBSCRIBE on the owner
    sentinel = ChannelNodes("redis+sentinel://10.0.0.1:26379/mymaster", "wxs:invalidate")
    assert (sentinel.sharded, sentinel.periodic) == (False, True)  # asked every heartbeat
