"""With Redis unreachable the site slows down but stays up (config/cache.py)."""

import pytest
from django.urls import reverse

from shop.models import Basket
from tests.factories import ProductFactory

UNREACHABLE_REDIS = "redis://127.0.0.1:9/0"  # nothing listens on the discard port


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": UNREACHABLE_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


def test_pages_are_rendered_when_redis_is_down(client, make_post, redis_down):
    post = make_post(title="Still readable")

    first, second = client.get(post.url), client.get(post.url)

    assert first.status_code == second.status_code == 200
    assert "Still readable" in second.content.decode()
    assert second.get("X-Cache") != "HIT"


def test_a_basket_kept_in_the_database_survives_redis_being_down(client, home, redis_down):
    product = ProductFactory()

    client.post(reverse("shop:basket_add"), {"product": product.pk, "quantity": "2"})

    assert client.get(reverse("shop:basket_count")).json()["count"] == 2
    assert Basket.objects.get().lines.get().quantity == 2


def test_health_still_reports_the_cache_as_down(client, db, redis_down):
    response = client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "cache": "unavailable"}


def test_rate_limits_count_nothing_while_redis_is_down(redis_down):
    from shop import ratelimit

    assert all(ratelimit.hit("test", "1.2.3.4", 1, 60) for _ in range(3))


def test_the_redis_client_is_built_once_per_pool():
    """Django makes a new client per cache operation; ours reuses one (see bench/)."""
    from config.cache import ResilientRedisCache

    backend = ResilientRedisCache(UNREACHABLE_REDIS, {})

    assert backend._cache.get_client(write=True) is backend._cache.get_client(write=False)
