"""The cache is optional: with Redis away, reads miss and writes are skipped, and nobody sees an error."""

import socket
import uuid

import pytest
import redis

from liaison_crm.cache import OptionalRedisCache


@pytest.fixture
def cache_without_redis():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return OptionalRedisCache(
        f"redis://127.0.0.1:{port}/0", {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    )


def test_reads_miss_and_writes_are_skipped(cache_without_redis):
    cache = cache_without_redis
    cache.set("figures", "<svg/>", 60)
    assert cache.get("figures") is None
    assert cache.get("figures", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("figures", "x") is False
    assert cache.get_or_set("figures", lambda: "computed") == "computed"
    assert cache.has_key("figures") is False
    assert cache.delete("figures") is False
    assert cache.set_many({"a": 1}) == ["a"]
    cache.delete_many(["a"])
    cache.clear()


def test_a_count_starts_again(cache_without_redis):
    with pytest.raises(ValueError):
        cache_without_redis.incr("requests")
    assert cache_without_redis.incr_and_get("requests", "earlier-requests", timeout=60) is None


def test_with_redis_there_it_is_a_cache(settings):
    cache = OptionalRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "optional-cache-test"})
    cache.set("figures", "<svg/>", 5)
    assert cache.get("figures") == "<svg/>"
    cache.delete("figures")


def test_a_count_is_started_with_an_expiry_and_read_back_as_a_number(settings):
    cache = OptionalRedisCache(settings.REDIS_URL, {"KEY_PREFIX": f"optional-cache-test-{uuid.uuid4().hex}"})
    assert cache.incr_and_get("requests", "earlier-requests", timeout=5) == (1, 0)
    assert cache.incr_and_get("requests", "earlier-requests", timeout=5) == (2, 0)
    assert cache.get("requests") == 2
    assert cache.incr_and_get("later-requests", "requests", timeout=5) == (1, 2)
    assert 0 < redis.Redis.from_url(settings.REDIS_URL).ttl(cache.make_key("requests")) <= 5
