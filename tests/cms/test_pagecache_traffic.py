"""The page cache serves the traffic that really arrives: shared links carrying tracking
parameters, browsers asking for compressed pages, and junk query strings that must not fill it.
"""

import gzip
import uuid

import brotli
import pytest
import redis
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms import pagecache

REDIS_URL = "redis://127.0.0.1:6379/5"  # the tests' own Redis database
BROWSER = "gzip, deflate, br"


def canonical(response) -> str:
    return BeautifulSoup(response.content, "html.parser").select_one("link[rel=canonical]")["href"]


def titles(response) -> list[str]:
    page = BeautifulSoup(response.content, "html.parser")
    return [h.text.strip() for h in page.select(".post-card__title")]


# Tracking parameters


@pytest.mark.parametrize(
    "query",
    [
        "fbclid=IwAR123",
        "utm_source=twitter&utm_medium=social",
        "gclid=abc&msclkid=def&mc_cid=1&mc_eid=2&igshid=3&dclid=4&ref=newsletter",
        "UTM_Campaign=Spring",
    ],
)
def test_a_shared_link_with_tracking_parameters_gets_the_cached_page(client, make_post, query):
    post = make_post(title="Tales of the Unexpected")
    plain = client.get(post.url)

    with CaptureQueriesContext(connection) as queries:
        shared = client.get(f"{post.url}?{query}")

    assert (plain["X-Cache"], shared["X-Cache"]) == ("MISS", "HIT")
    assert len(queries) == 0
    assert shared.content == plain.content


def test_a_page_first_rendered_for_a_shared_link_shows_no_tracking_parameter(client, make_post):
    """The page is stored for everyone, so nothing in it may echo one visitor's parameters."""
    post = make_post(title="Tales of the Unexpected", tags=["music"])

    shared = client.get(f"{post.url}?utm_source=twitter&fbclid=IwAR123")
    plain = client.get(post.url)

    assert (shared["X-Cache"], plain["X-Cache"]) == ("MISS", "HIT")
    assert canonical(shared) == f"http://testserver{post.url}"
    html = shared.content.decode()
    assert "IwAR123" not in html
    assert "utm_source" not in html


def test_a_page_number_keeps_its_meaning_beside_tracking_parameters(client, make_post, settings):
    settings.QUIRE_POSTS_PER_PAGE = 1
    make_post(title="Older")
    make_post(title="Newer")

    second = client.get("/blog/?page=2&utm_source=newsletter")
    second_again = client.get("/blog/?fbclid=IwAR9&page=2")
    first = client.get("/blog/?utm_source=newsletter")

    assert titles(second) == titles(second_again) == ["Older"]
    assert second_again["X-Cache"] == "HIT"
    assert titles(first) == ["Newer"]
    assert canonical(second) == "http://testserver/blog/?page=2"


def test_a_search_keeps_its_query_beside_tracking_parameters(client, make_post):
    make_post(
        title="Tales of the Unexpected",
        body=[{"type": "paragraph", "value": "<p>The canteen inspection report.</p>"}],
    )
    make_post(title="Unrelated walk")

    found = client.get("/search/?q=canteen&utm_source=newsletter")
    other = client.get("/search/?q=walk&utm_source=newsletter")

    assert titles(found) == ["Tales of the Unexpected"]
    assert titles(other) == ["Unrelated walk"]
    assert other.get("X-Cache") is None  # searches are rendered for each query


def test_the_ignored_parameters_are_a_setting(client, make_post, settings):
    settings.QUIRE_PAGE_CACHE_IGNORED_PARAMETERS = ["campaign", "from_*"]
    post = make_post()
    client.get(post.url)

    assert client.get(f"{post.url}?campaign=spring")["X-Cache"] == "HIT"
    assert client.get(f"{post.url}?from_newsletter=1")["X-Cache"] == "HIT"
    assert client.get(f"{post.url}?fbclid=IwAR123").get("X-Cache") != "HIT"


def test_an_unknown_parameter_is_rendered_fresh_and_not_stored(client, make_post):
    post = make_post()
    client.get(f"{post.url}?sort=oldest")

    assert client.get(f"{post.url}?sort=oldest").get("X-Cache") is None
    assert client.get(post.url)["X-Cache"] == "MISS"


@pytest.mark.parametrize("number", ["01", "2", "1.0", " 1", "1&page=2"])
def test_a_page_number_on_a_page_without_pages_is_not_stored(client, make_post, number):
    post = make_post()
    client.get(f"{post.url}?page={number}")

    assert client.get(f"{post.url}?page={number}").get("X-Cache") is None


@pytest.fixture
def redis_cache(settings):
    """The production cache backend on the tests' Redis database, under a key prefix of this
    test's own; its keys are deleted afterwards."""
    prefix = f"test-pagecache-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    server = redis.Redis.from_url(REDIS_URL)

    def keys() -> set[bytes]:
        return set(server.scan_iter(match=f"{prefix}:*", count=1000))

    yield keys
    if stored := keys():
        server.delete(*stored)


def junk_queries(count: int) -> list[str]:
    """Query strings a crawler, a broken link or an attacker might send, all different."""
    kinds = [
        lambda n: f"fbclid=IwAR{n}",
        lambda n: f"utm_source=s{n}&utm_medium=m{n}",
        lambda n: f"x{n}={n}",
        lambda n: f"page={n}",
        lambda n: f"page={'0' * (n % 7 + 1)}{n}",
        lambda n: "&" * (n % 50 + 1) + f"gclid={n}",
        lambda n: f"q=words{n}",
        lambda n: uuid.uuid4().hex,
    ]
    return [kinds[n % len(kinds)](n) for n in range(count)]


def test_a_thousand_junk_query_strings_store_no_new_page(client, make_post, redis_cache):
    """After the post and the blog's first page are cached, 1,000 distinct junk queries on
    them add no entry to the cache: tracking parameters share the cached page, page numbers
    beyond the listing are 404s, and anything else is rendered fresh without being stored."""
    post = make_post()
    urls = [post.url, "/blog/"]
    for url in urls:
        client.get(url)
        client.get(url, headers={"Accept-Encoding": BROWSER})
    before = redis_cache()

    statuses = set()
    for n, query in enumerate(junk_queries(1000)):
        response = client.get(f"{urls[n % 2]}?{query}", headers={"Accept-Encoding": BROWSER})
        statuses.add(response.status_code)

    assert statuses <= {200, 404}
    assert redis_cache() - before == set()


# Compressed once


def test_a_browser_gets_the_cached_page_compressed_as_stored(client, make_post, monkeypatch):
    post = make_post(title="Tales of the Unexpected")
    plain = client.get(post.url).content

    def no_compressing(*args, **kwargs):
        raise AssertionError("a cache hit compressed the page again")

    monkeypatch.setattr(gzip, "compress", no_compressing)
    monkeypatch.setattr(brotli, "compress", no_compressing)
    as_brotli = client.get(post.url, headers={"Accept-Encoding": BROWSER})
    as_gzip = client.get(post.url, headers={"Accept-Encoding": "gzip, deflate"})

    assert (as_brotli["X-Cache"], as_brotli["Content-Encoding"]) == ("HIT", "br")
    assert brotli.decompress(as_brotli.content) == plain
    assert (as_gzip["X-Cache"], as_gzip["Content-Encoding"]) == ("HIT", "gzip")
    assert gzip.decompress(as_gzip.content) == plain
    for response in (as_brotli, as_gzip):
        assert "Accept-Encoding" in response["Vary"]
        assert response["Content-Length"] == str(len(response.content))


def test_the_first_browser_gets_the_page_compressed_too(client, make_post):
    post = make_post(title="Tales of the Unexpected")

    first = client.get(post.url, headers={"Accept-Encoding": BROWSER})
    plain = client.get(post.url)

    assert (first["X-Cache"], first["Content-Encoding"]) == ("MISS", "br")
    assert brotli.decompress(first.content) == plain.content


def test_a_client_that_asks_for_no_encoding_gets_the_plain_page(client, make_post):
    post = make_post(title="Tales of the Unexpected")
    client.get(post.url, headers={"Accept-Encoding": BROWSER})

    for accept_encoding in [None, "identity", "deflate"]:
        headers = {"Accept-Encoding": accept_encoding} if accept_encoding else {}
        response = client.get(post.url, headers=headers)
        assert response["X-Cache"] == "HIT", accept_encoding
        assert "Content-Encoding" not in response, accept_encoding
        assert "Tales of the Unexpected" in response.content.decode(), accept_encoding
        assert "Accept-Encoding" in response["Vary"], accept_encoding


@pytest.mark.parametrize(
    "accept_encoding, sent",
    [
        ("gzip, deflate, br", "br"),
        ("br;q=0.5, gzip", "gzip"),
        ("gzip;q=0, *", "br"),
        ("*;q=0.1", "br"),
        ("x-compress, deflate", "identity"),
        ("", "identity"),
        ("br;q=nonsense, gzip", "gzip"),
    ],
)
def test_the_encoding_sent_is_the_one_the_client_prefers(accept_encoding, sent):
    assert pagecache.accepted_encoding(accept_encoding) == sent


def test_a_head_request_gets_the_length_of_what_a_get_would_send(client, make_post):
    post = make_post()
    get = client.get(post.url, headers={"Accept-Encoding": BROWSER})

    head = client.head(post.url, headers={"Accept-Encoding": BROWSER})

    assert (head["X-Cache"], head["Content-Encoding"]) == ("HIT", "br")
    assert head["Content-Length"] == str(len(get.content))
    assert head.content == b""
