"""Django's Redis cache, made to step aside when Redis cannot be reached.

Everything Quire keeps in the cache can be rebuilt (pages, the copy of sessions in front of the
database, rate-limit counters, Wagtail's site root paths), so an unreachable Redis should make
the site slower, not take it down: reads answer "not cached", writes are dropped and logged.
A rate limit counts nothing while Redis is away; `/health/` still reports the cache as down.
"""

from __future__ import annotations

import functools
import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


def _stepping_aside(fallback):
    """Run the client method; if Redis is unreachable, log and return `fallback(*args)`."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE:
                logger.error("Redis unreachable: cache %s skipped", method.__name__, exc_info=True)
                return fallback(*args)

        return wrapper

    return decorate


def _missing_key(key, *args):
    raise ValueError(f"Key '{key}' not found.")  # Django's answer for a key not in the cache


class ResilientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        """One client per connection pool, reused: Django builds a new `redis.Redis` for
        every operation, which costs more than the operation itself on a cached page. A
        client on a pool is safe to share between threads."""
        pool = self._get_connection_pool(write)
        if id(pool) not in self._clients:
            self._clients[id(pool)] = self._client(connection_pool=pool)
        return self._clients[id(pool)]

    add = _stepping_aside(lambda *args: False)(RedisCacheClient.add)
    get = _stepping_aside(lambda key, default: default)(RedisCacheClient.get)
    set = _stepping_aside(lambda *args: None)(RedisCacheClient.set)
    touch = _stepping_aside(lambda *args: False)(RedisCacheClient.touch)
    delete = _stepping_aside(lambda *args: False)(RedisCacheClient.delete)
    get_many = _stepping_aside(lambda keys: {})(RedisCacheClient.get_many)
    has_key = _stepping_aside(lambda *args: False)(RedisCacheClient.has_key)
    incr = _stepping_aside(_missing_key)(RedisCacheClient.incr)
    set_many = _stepping_aside(lambda *args: None)(RedisCacheClient.set_many)
    delete_many = _stepping_aside(lambda *args: None)(RedisCacheClient.delete_many)
    clear = _stepping_aside(lambda *args: False)(RedisCacheClient.clear)


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient
