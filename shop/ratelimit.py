"""A small fixed-window rate limit kept in Django's cache (Redis in production), so it holds
across processes and app servers sharing the cache."""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _cache_key(scope: str, key: str) -> str:
    return f"quire:ratelimit:{scope}:{key}"


def used_up(scope: str, key: str, limit: int) -> bool:
    """Whether `key` has already made `limit` counted attempts in the window (counts nothing)."""
    return (cache.get(_cache_key(scope, key)) or 0) >= limit


def hit(scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt for `key`; False once more than `limit` were made in the window."""
    cache_key = _cache_key(scope, key)
    cache.add(cache_key, 0, window_seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, window_seconds)
        count = 1
    return count <= limit


def client_ip(request: HttpRequest) -> str:
    """The address a request came from, for per-IP limits. Behind QUIRE_TRUSTED_PROXY_COUNT
    proxies that each append to X-Forwarded-For it is the entry that many from the end, the
    one the outermost proxy saw (anything left of it is whatever the client claimed)."""
    proxies = settings.QUIRE_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(forwarded) >= proxies and forwarded[-proxies].strip():
            return forwarded[-proxies].strip()
    return request.META.get("REMOTE_ADDR", "")


def refuse_checkout(session_key: str | None, client_ip: str) -> str | None:
    """Count one checkout start for the session and the client IP; the buyer-facing reason when
    either has used up its QUIRE_CHECKOUT_LIMIT_PER_* in the window, else None. A session
    that was refused is not counted against its IP."""
    limits = [("checkout-ip", client_ip, settings.QUIRE_CHECKOUT_LIMIT_PER_IP)]
    if session_key:  # no session means no basket, and checkout will say so
        limits.insert(
            0, ("checkout-session", session_key, settings.QUIRE_CHECKOUT_LIMIT_PER_SESSION)
        )
    window_seconds = _first_used_up(limits)
    if window_seconds is None:
        return None
    minutes = -(-window_seconds // 60)
    return (
        f"Checkout has been started too many times from here in the last {minutes} "
        "minutes. Your basket is kept just as it is; please try again later."
    )


def refuse_back_in_stock(client_ip: str, email: str) -> str | None:
    """Count one "email me when it's back" request; the reason when the IP or the address has
    used up its QUIRE_BACK_IN_STOCK_LIMIT_PER_*, else None."""
    limits = [
        ("back-in-stock-ip", client_ip, settings.QUIRE_BACK_IN_STOCK_LIMIT_PER_IP),
        (
            "back-in-stock-email",
            email.strip().lower(),
            settings.QUIRE_BACK_IN_STOCK_LIMIT_PER_EMAIL,
        ),
    ]
    if _first_used_up(limits) is None:
        return None
    return (
        "We have sent enough emails about this for now. If a confirmation reached you "
        "already, its link still works; otherwise please try again tomorrow."
    )


def refuse_discount_code(client_ip: str) -> str | None:
    """Count one discount code tried; the reason when the IP has tried
    QUIRE_DISCOUNT_CODE_LIMIT_PER_IP already in the window, else None."""
    limits = [("discount-code-ip", client_ip, settings.QUIRE_DISCOUNT_CODE_LIMIT_PER_IP)]
    window_seconds = _first_used_up(limits)
    if window_seconds is None:
        return None
    minutes = -(-window_seconds // 60)
    return (
        f"Too many discount codes have been tried from here in the last {minutes} minutes. "
        "Your basket is kept just as it is; please try again later."
    )


def _first_used_up(limits) -> int | None:
    """Count one attempt against each (scope, key, (limit, window)) in turn; the window of the
    first that is used up (those after it are not counted), or None."""
    for scope, key, (limit, window_seconds) in limits:
        if not hit(scope, key, limit, window_seconds):
            return window_seconds
    return None
