"""A small fixed-window rate limit kept in Django's cache (Redis in production), so it holds
across processes and app servers sharing the cache."""

from django.core.cache import cache


def hit(scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt for `key`; False once more than `limit` were made in the window."""
    cache_key = f"quire:ratelimit:{scope}:{key}"
    cache.add(cache_key, 0, window_seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, window_seconds)
        count = 1
    return count <= limit
