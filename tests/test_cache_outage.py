"""With Redis refusing or hanging, the site slows down but stays up (config/cache.py).

Faults are real sockets on loopback: the discard port, where nothing listens (refused), and a
server that accepts connections and never answers (hung)."""

import logging
import socket
import threading
import time

import pytest
from django.urls import reverse

from config.cache import CircuitBreaker, ResilientRedisCache
from shop.models import Basket, PreOrder
from tests.factories import PreOrderProductFactory, ProductFactory, make_preorder_form_page
from tests.shop.test_preorders import submit

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


def test_health_reports_the_cache_as_down_but_keeps_the_server_in_service(client, db, redis_down):
    """A load balancer that saw 503 would take every app server out because of their one
    shared Redis, while each of them still serves pages from the database."""
    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "unavailable"}


class HungRedis:
    """Accepts connections, reads what it is sent, never answers; counts the connections."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.url = f"redis://127.0.0.1:{self.listener.getsockname()[1]}/0"
        self.connections = 0
        self.open_sockets = []
        self.running = True
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self):
        while self.running:
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self.open_sockets.append(conn)  # kept open, never read from or answered

    def close(self):
        self.running = False
        self.thread.join()
        for conn in self.open_sockets:
            conn.close()
        self.listener.close()


@pytest.fixture
def hung_redis(settings):
    """The site's cache is a Redis that hangs; the breaker waits a minute before trying again."""
    server = HungRedis()
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
                "retry_after_seconds": 60,
            },
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    yield server
    server.close()


def test_a_hung_redis_is_asked_once_then_left_alone_while_pages_and_baskets_work(
    client, make_post, hung_redis
):
    """Each cache operation used to wait out its timeout: /health/ took 11 s and pages
    9-40 s. Now the first timeout opens the breaker and nothing asks Redis again."""
    post = make_post(title="Still readable")
    product = ProductFactory()

    pages = [client.get(post.url) for _ in range(3)]
    added = client.post(reverse("shop:basket_add"), {"product": product.pk, "quantity": "2"})
    count = client.get(reverse("shop:basket_count")).json()["count"]
    health = client.get(reverse("health"))

    assert [page.status_code for page in pages] == [200, 200, 200]
    assert "Still readable" in pages[-1].content.decode()
    assert added.status_code == 302 and count == 2
    assert health.json() == {"database": "ok", "cache": "unavailable"}
    assert hung_redis.connections == 1


def test_pre_orders_are_taken_while_redis_hangs(client, home, hung_redis):
    PreOrderProductFactory(title="Dirty Old Town", preorder_cap=10)
    page = make_preorder_form_page(home)

    response = submit(client, page)

    assert response.status_code == 302
    assert PreOrder.objects.get().quantity == 2
    assert hung_redis.connections == 1


def test_the_breaker_lets_one_request_try_again_after_its_pause():
    breaker = CircuitBreaker(retry_after=2.0)  # far longer than two calls take, even loaded
    assert breaker.allows()

    breaker.failed()
    skipped_while_open = breaker.allows()
    time.sleep(2.1)
    first_after_pause, second_after_pause = breaker.allows(), breaker.allows()
    breaker.succeeded()

    assert not skipped_while_open
    assert (first_after_pause, second_after_pause) == (True, False)  # one probe, not a stampede
    assert breaker.allows() and not breaker.is_open


def test_a_redis_still_hung_after_the_pause_costs_one_more_try(client, make_post, hung_redis):
    from django.core.cache import cache

    # Long enough that no request outlasts the pause (each failed try re-opens it), short
    # enough to wait out once.
    cache.breaker.retry_after = 2.0
    post = make_post()

    client.get(post.url)
    time.sleep(2.1)
    client.get(post.url)
    client.get(post.url)

    assert hung_redis.connections == 2


def test_rate_limits_count_nothing_while_redis_is_down(redis_down):
    from shop import ratelimit

    assert all(ratelimit.hit("test", "1.2.3.4", 1, 60) for _ in range(3))


EMPTY_CACHE_ANSWERS = [
    (lambda cache: cache.get("key", "default"), "default"),
    (lambda cache: cache.get_many(["one", "two"]), {}),
    (lambda cache: cache.has_key("key"), False),
    (lambda cache: cache.set("key", "value"), None),
    (lambda cache: cache.add("key", "value"), False),
    (lambda cache: cache.touch("key"), False),
    (lambda cache: cache.delete("key"), False),
    (lambda cache: cache.set_many({"one": 1, "two": 2}), ["one", "two"]),
    (lambda cache: cache.delete_many(["one", "two"]), None),
    (lambda cache: cache.clear(), False),
    (lambda cache: cache.get_or_set("key", "computed"), "computed"),
]


def test_every_operation_answers_as_an_empty_cache_would_while_redis_refuses():
    """Each operation, whether it meets the refusal itself or finds the breaker open."""
    cache = ResilientRedisCache("redis://127.0.0.1:9/13", {"OPTIONS": {"socket_timeout": 1}})

    for operation, answer in EMPTY_CACHE_ANSWERS:
        cache.breaker.succeeded()  # closed: this operation asks Redis and is refused
        assert operation(cache) == answer
        assert cache.breaker.is_open
        assert operation(cache) == answer  # open: Redis is not asked
    for counting in (cache.incr, cache.decr):
        cache.breaker.succeeded()
        with pytest.raises(ValueError):  # as Django answers for a key not in the cache
            counting("key")
        with pytest.raises(ValueError):
            counting("key")


class RedisThatComesBack:
    """A loopback address that refuses connections until `come_back()`, then forwards each
    one to the real Redis."""

    def __init__(self):
        with socket.create_server(("127.0.0.1", 0)) as probe:
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/12"
        self.sockets = []

    def come_back(self):
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.sockets.append(self.listener)
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", 6379))
            self.sockets += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.forward, args=(source, target), daemon=True).start()

    @staticmethod
    def forward(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass

    def close(self):
        for sock in self.sockets:
            sock.close()


def test_an_outage_and_the_recovery_are_logged_once_each(caplog):
    redis_server = RedisThatComesBack()
    cache = ResilientRedisCache(
        redis_server.url,
        {"OPTIONS": {"socket_timeout": 1, "retry_after_seconds": 0.5}},
    )
    try:
        with caplog.at_level(logging.WARNING, logger="config.cache"):
            cache.get("key"), cache.get("key")  # refused, then skipped
            time.sleep(0.6)
            cache.get("key")  # refused again after the pause
            redis_server.come_back()
            time.sleep(0.6)
            answers = [cache.get("key", "missing") for _ in range(3)]
    finally:
        redis_server.close()

    assert answers == ["missing"] * 3
    assert [(record.levelname, record.getMessage()) for record in caplog.records] == [
        ("ERROR", "Redis unreachable: cache skipped for 0.5s (get)"),
        ("WARNING", "Redis answers again: cache back in use"),
    ]
