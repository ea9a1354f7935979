"""A Redis cache that steps aside when Redis cannot be reached or stops answering.

Everything Quire keeps in the cache can be rebuilt (pages, the copy of sessions in front of the
database, rate-limit counters, Wagtail's site root paths), so a broken Redis should make the
site slower, not take it down: reads answer "not cached", writes are dropped and logged.

A Redis that refuses connections fails fast, but one that accepts them and never answers (a
hung server, a full network queue) costs a whole socket timeout per operation, and a page makes
a dozen. So the first failure opens a circuit breaker: for `RETRY_AFTER_SECONDS` this process
does not ask Redis at all, then one operation tries again. Each request pays at most one
timeout, and only one request per process in each window. A rate limit counts nothing while
Redis is away; `/health/` reports the cache as unavailable.

It is built on Django's public cache contract (`BaseCache`) and redis-py's client, nothing of
Django's own Redis backend. Each process keeps one client, on one connection pool, per server
and options, shared by its threads: Django gives each thread a cache object of its own, and
each would otherwise open connections of its own. Values are stored as Django's Redis cache
stores them (integers as Redis numbers, so `incr` counts them; anything else pickled), so
each backend reads the other's entries.
"""

from __future__ import annotations

import functools
import logging
import pickle
import re
import threading
import time
from typing import Any

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)

# How long a process leaves Redis alone after it failed to answer.
RETRY_AFTER_SECONDS = 15.0


class CircuitBreaker:
    """Whether to ask a server now. Shared by every thread of a process (Django gives each
    thread its own cache object, and each would otherwise pay its own timeout)."""

    def __init__(self, retry_after: float):
        self.retry_after = retry_after
        self.open_until = 0.0
        self._lock = threading.Lock()

    def allows(self) -> bool:
        """True when the server may be asked: closed, or open long enough for one new try.
        The try is given to one caller only; the others keep skipping until it is answered."""
        if not self.open_until:
            return True  # closed: the usual case, no lock needed
        with self._lock:
            now = time.monotonic()
            if now < self.open_until:
                return False
            if self.open_until:
                self.open_until = now + self.retry_after  # one probe at a time
            return True

    def failed(self) -> bool:
        """Open the breaker; True if it was closed (the failure worth logging)."""
        with self._lock:
            was_closed = not self.open_until
            self.open_until = time.monotonic() + self.retry_after
            return was_closed

    def succeeded(self) -> bool:
        """Close the breaker; True if it was open (the recovery worth logging)."""
        if not self.open_until:
            return False
        with self._lock:
            was_open = bool(self.open_until)
            self.open_until = 0.0
            return was_open

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self.open_until


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(location: str, retry_after: float = RETRY_AFTER_SECONDS) -> CircuitBreaker:
    """The one breaker of this process for a Redis location."""
    with _breakers_lock:
        if location not in _breakers:
            _breakers[location] = CircuitBreaker(retry_after)
        return _breakers[location]


_clients: dict[tuple[str, str], redis.Redis] = {}
_clients_lock = threading.Lock()


def client_for(location: str, options: dict[str, Any]) -> redis.Redis:
    """The one client of this process for a Redis server and its connection options. Its
    connection pool lends each command a connection and takes it back, so threads share it."""
    key = (location, repr(sorted(options.items())))
    with _clients_lock:
        if key not in _clients:
            pool = redis.ConnectionPool.from_url(location, **options)
            _clients[key] = redis.Redis(connection_pool=pool)
        return _clients[key]


def _dumps(value: Any) -> Any:
    if type(value) is int:  # not bool: stored as a Redis number, so INCRBY can count it
        return value
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def _loads(data: bytes) -> Any:
    try:
        return int(data)
    except ValueError:
        return pickle.loads(data)


# INCRBY alone would create a key that expired a moment before, with no expiry of its own: a
# rate-limit counter that never ends its window. Checked and counted in one step instead.
_INCR_IF_PRESENT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('INCRBY', KEYS[1], ARGV[1])
"""


def _stepping_aside(fallback):
    """Run the cache method unless the breaker is open; if Redis fails, open the breaker.
    Either way without Redis, answer `fallback(*args, **kwargs)`, as an empty cache would."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if not self.breaker.allows():
                return fallback(*args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except UNREACHABLE:
                if self.breaker.failed():
                    logger.error(
                        "Redis unreachable: cache skipped for %ss (%s)",
                        self.breaker.retry_after,
                        method.__name__,
                        exc_info=True,
                    )
                return fallback(*args, **kwargs)
            if self.breaker.succeeded():
                logger.warning("Redis answers again: cache back in use")
            return result

        return wrapper

    return decorate


def _default(key, default=None, version=None):
    return default


def _missing_key(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found.")  # Django's answer for a key not in the cache


def _absent(*args, **kwargs):
    return None


def _not_done(*args, **kwargs):
    return False


class ResilientRedisCache(BaseCache):
    """LOCATION is one Redis URL. OPTIONS takes `retry_after_seconds` (how long to leave a
    failed Redis alone, 15 s by default) beside redis-py's connection options
    (`socket_timeout`, `socket_connect_timeout`, `client_name`...)."""

    def __init__(self, server: str | list[str], params: dict[str, Any]):
        super().__init__(params)
        servers = re.split("[;,]", server) if isinstance(server, str) else list(server)
        if len(servers) != 1:
            raise ImproperlyConfigured(
                f"{type(self).__name__} takes one Redis server as its LOCATION, not {server!r}."
            )
        options = dict(params.get("OPTIONS", {}))
        retry_after = float(options.pop("retry_after_seconds", RETRY_AFTER_SECONDS))
        self.breaker = breaker_for(str(server), retry_after)
        self._redis = client_for(servers[0], options)
        self._incr_if_present = self._redis.register_script(_INCR_IF_PRESENT)

    def get_backend_timeout(self, timeout: float | None = DEFAULT_TIMEOUT) -> int | None:
        """Seconds for Redis: None keeps a key forever, 0 (or less) expires it at once."""
        if timeout == DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        return None if timeout is None else max(0, int(timeout))

    @_stepping_aside(_not_done)
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        if timeout == 0:  # added and expired at once: whether the key was absent is the answer
            if added := bool(self._redis.set(key, _dumps(value), nx=True)):
                self._redis.delete(key)
            return added
        return bool(self._redis.set(key, _dumps(value), ex=timeout, nx=True))

    @_stepping_aside(_default)
    def get(self, key, default=None, version=None) -> Any:
        value = self._redis.get(self.make_and_validate_key(key, version=version))
        return default if value is None else _loads(value)

    @_stepping_aside(_absent)
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        if timeout == 0:
            self._redis.delete(key)
        else:
            self._redis.set(key, _dumps(value), ex=timeout)

    @_stepping_aside(_not_done)
    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        if timeout is None:  # PERSIST says 0 for a key already kept forever: ask if it exists
            return bool(self._redis.persist(key) or self._redis.exists(key))
        return bool(self._redis.expire(key, timeout))

    @_stepping_aside(_not_done)
    def delete(self, key, version=None) -> bool:
        return bool(self._redis.delete(self.make_and_validate_key(key, version=version)))

    @_stepping_aside(lambda keys, version=None: {})
    def get_many(self, keys, version=None) -> dict[str, Any]:
        names = {self.make_and_validate_key(key, version=version): key for key in keys}
        if not names:
            return {}
        values = self._redis.mget(list(names))
        found = zip(names.values(), values, strict=True)
        return {key: _loads(value) for key, value in found if value is not None}

    @_stepping_aside(_not_done)
    def has_key(self, key, version=None) -> bool:
        return bool(self._redis.exists(self.make_and_validate_key(key, version=version)))

    @_stepping_aside(_missing_key)
    def incr(self, key, delta=1, version=None) -> int:
        """Adds `delta` to a stored integer, keeping its expiry; ValueError if it is absent."""
        name = self.make_and_validate_key(key, version=version)
        value = self._incr_if_present(keys=[name], args=[delta])
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value

    @_stepping_aside(lambda data, *args, **kwargs: list(data))
    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        if not data:
            return []
        timeout = self.get_backend_timeout(timeout)
        values = {self.make_and_validate_key(k, version=version): v for k, v in data.items()}
        with self._redis.pipeline() as pipeline:  # one round trip, all or nothing
            if timeout == 0:
                pipeline.delete(*values)
            else:
                for key, value in values.items():
                    pipeline.set(key, _dumps(value), ex=timeout)
            pipeline.execute()
        return []

    @_stepping_aside(_absent)
    def delete_many(self, keys, version=None) -> None:
        if names := [self.make_and_validate_key(key, version=version) for key in keys]:
            self._redis.delete(*names)

    @_stepping_aside(_not_done)
    def clear(self) -> bool:
        """Empties the whole Redis database, as Django's Redis cache does, not only this prefix."""
        return bool(self._redis.flushdb())
