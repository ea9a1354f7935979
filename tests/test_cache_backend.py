"""The production cache backend keeps Django's cache contract against a real Redis
(config/cache.py). Its behaviour with Redis away is in tests/test_cache_outage.py."""

import asyncio
import threading
import uuid

import pytest
import redis
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured

from config.cache import ResilientRedisCache

REDIS_URL = "redis://127.0.0.1:6379/12"  # this file's own Redis database, flushed around each test


@pytest.fixture
def server():
    server = redis.Redis.from_url(REDIS_URL)
    server.flushdb()
    yield server
    server.flushdb()
    server.close()


def backend(**options) -> ResilientRedisCache:
    """A cache object as Django builds one for each thread: same location, same options."""
    return ResilientRedisCache(
        REDIS_URL, {"KEY_PREFIX": "contract", "TIMEOUT": 300, "OPTIONS": options}
    )


@pytest.fixture
def cache(server):
    return backend()


def stored_key(key: str, version: int = 1) -> str:
    return f"contract:{version}:{key}"


# Values


@pytest.mark.parametrize(
    "value",
    [
        "Dirty Old Town",
        b"\x80\x04raw bytes",
        3.5,
        True,
        False,
        ["a", 1, None],
        {"title": "Sonnets", "pence": 1299},
        -7,
        2**70,
    ],
)
def test_a_value_comes_back_as_it_was_stored(cache, value):
    cache.set("value", value)

    assert cache.get("value") == value
    assert type(cache.get("value")) is type(value)


def test_integers_are_stored_as_redis_numbers_so_incr_can_count_them(cache, server):
    cache.set("count", 41)

    assert server.get(stored_key("count")) == b"41"
    assert cache.incr("count") == 42
    assert cache.incr("count", 10) == 52
    assert cache.decr("count", 2) == 50
    assert cache.get("count") == 50


def test_a_missing_key_reads_as_the_default(cache):
    assert cache.get("absent") is None
    assert cache.get("absent", "fallback") == "fallback"


def test_incr_of_a_missing_key_raises_value_error_and_stores_nothing(cache, server):
    with pytest.raises(ValueError):
        cache.incr("absent")
    with pytest.raises(ValueError):
        cache.decr("absent")

    assert server.exists(stored_key("absent")) == 0


def test_incr_keeps_the_expiry_of_the_counter(cache, server):
    """A rate-limit window ends when its counter expires, however often it was counted."""
    cache.add("hits", 0, 60)
    cache.incr("hits")

    assert 0 < server.ttl(stored_key("hits")) <= 60


def test_keys_carry_the_prefix_and_the_version(cache, server):
    cache.set("page", "one")
    cache.set("page", "two", version=2)

    assert set(server.keys()) == {b"contract:1:page", b"contract:2:page"}
    assert (cache.get("page"), cache.get("page", version=2)) == ("one", "two")


def test_entries_are_shared_with_djangos_own_redis_cache(cache):
    """Entries written by the backend this one replaced are read as they were, and back."""
    django_cache = RedisCache(REDIS_URL, {"KEY_PREFIX": "contract"})

    django_cache.set("theirs", {"menu": ["Blog", "Shop"]})
    django_cache.set("their-count", 3)
    cache.set("ours", ("Sonnets", 1299))

    assert cache.get("theirs") == {"menu": ["Blog", "Shop"]}
    assert cache.incr("their-count") == 4
    assert django_cache.get("ours") == ("Sonnets", 1299)


# Timeouts


def test_the_default_timeout_comes_from_the_settings(cache, server):
    cache.set("page", "html")

    assert 290 < server.ttl(stored_key("page")) <= 300


def test_a_timeout_of_none_keeps_a_key_forever(cache, server):
    cache.set("forever", "kept", timeout=None)
    cache.add("also-forever", "kept", timeout=None)
    cache.set_many({"many-forever": "kept"}, timeout=None)

    for key in ("forever", "also-forever", "many-forever"):
        assert server.ttl(stored_key(key)) == -1


def test_a_timeout_of_zero_expires_at_once(cache, server):
    cache.set("gone", "old")

    cache.set("gone", "new", timeout=0)
    added = cache.add("never-kept", "value", timeout=0)
    cache.set_many({"many-gone": "value"}, timeout=0)

    assert cache.get("gone") is None
    assert added is True  # the key was absent, so the add happened (and expired)
    assert server.keys() == []


def test_a_negative_timeout_expires_at_once(cache, server):
    cache.set("gone", "value", timeout=-5)

    assert server.keys() == []


# Operations


def test_add_stores_only_when_the_key_is_absent(cache):
    assert cache.add("first", "one", 60) is True
    assert cache.add("first", "two", 60) is False
    assert cache.get("first") == "one"


def test_touch_sets_a_new_expiry_on_a_key_that_exists(cache, server):
    cache.set("page", "html", 60)

    assert cache.touch("page", 600) is True
    assert 590 < server.ttl(stored_key("page")) <= 600
    assert cache.touch("page", None) is True
    assert server.ttl(stored_key("page")) == -1
    assert cache.touch("page", None) is True  # still there, still kept forever
    assert cache.touch("absent", 60) is False
    assert cache.touch("absent", None) is False


def test_delete_says_whether_a_key_was_there(cache):
    cache.set("page", "html")

    assert cache.delete("page") is True
    assert cache.delete("page") is False
    assert cache.get("page") is None


def test_get_many_answers_only_the_keys_found(cache):
    cache.set("one", 1)
    cache.set("two", {"n": 2})

    assert cache.get_many(["one", "two", "absent"]) == {"one": 1, "two": {"n": 2}}
    assert cache.get_many([]) == {}


def test_set_many_stores_every_value_with_the_timeout(cache, server):
    failed = cache.set_many({"one": 1, "two": "deux"}, timeout=60)

    assert failed == []
    assert cache.get_many(["one", "two"]) == {"one": 1, "two": "deux"}
    assert all(0 < server.ttl(stored_key(key)) <= 60 for key in ("one", "two"))
    assert cache.set_many({}) == []


def test_delete_many_removes_every_key_given(cache):
    cache.set_many({"one": 1, "two": 2, "three": 3})

    cache.delete_many(["one", "two", "absent"])
    cache.delete_many([])

    assert cache.get_many(["one", "two", "three"]) == {"three": 3}


def test_has_key_says_whether_a_key_is_there(cache):
    cache.set("page", "html")

    assert cache.has_key("page") is True
    assert cache.has_key("absent") is False


def test_clear_empties_the_cache(cache, server):
    cache.set_many({"one": 1, "two": 2})

    assert cache.clear() is True
    assert server.keys() == []


def test_get_or_set_stores_what_it_computed_once(cache):
    assert cache.get_or_set("menu", lambda: ["Blog"], 60) == ["Blog"]
    assert cache.get_or_set("menu", lambda: ["Shop"], 60) == ["Blog"]


def test_async_callers_see_the_same_entries(cache):
    async def round_trip():
        await cache.aset("page", "html", 60)
        await cache.aadd("count", 0, 60)
        return await cache.aget("page"), await cache.aincr("count")

    assert asyncio.run(round_trip()) == ("html", 1)
    assert cache.get("page") == "html"


# Connections


def test_a_location_naming_several_servers_is_refused():
    """Django's Redis cache read the others as replicas; nothing here configures any, and
    a write read back from a lagging replica would serve a page after its retirement."""
    with pytest.raises(ImproperlyConfigured):
        ResilientRedisCache(f"{REDIS_URL},redis://127.0.0.1:6380/12", {})


def connections_named(server: redis.Redis, name: str) -> int:
    return sum(1 for client in server.client_list() if client.get("name") == name)


def test_caches_of_threads_taking_turns_share_one_connection(server):
    """Django gives each thread a cache object of its own; all of a process's objects for one
    location share its connection pool, so threads that never overlap need one connection."""
    name = f"quire-test-{uuid.uuid4().hex}"

    def requests_of_one_thread():
        cache = backend(client_name=name)
        for n in range(50):
            cache.set(f"key-{n}", n)
            cache.get_many([f"key-{n}", "absent"])

    for _ in range(8):
        thread = threading.Thread(target=requests_of_one_thread)
        thread.start()
        thread.join()

    assert connections_named(server, name) == 1


def test_threads_at_once_open_no_more_connections_than_there_are_threads(server):
    name = f"quire-test-{uuid.uuid4().hex}"
    start = threading.Barrier(4)

    def requests_of_one_thread():
        cache = backend(client_name=name)
        start.wait()
        for n in range(200):
            cache.add(f"key-{n}", n)
            cache.get(f"key-{n}")

    threads = [threading.Thread(target=requests_of_one_thread) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert 1 <= connections_named(server, name) <= 4
