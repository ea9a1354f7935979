"""Shop pages cost a fixed number of queries, however many products or basket lines."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ProductFactory, make_image


@pytest.fixture(autouse=True)
def without_page_cache(settings):
    """These are the costs of rendering; served from the page cache a page costs none."""
    settings.QUIRE_PAGE_CACHE = False


# Measured on SQLite and PostgreSQL, after one warm-up request.
EXPECTED = {"shop": 4, "product": 5, "basket": 5, "count": 3, "post_with_products": 12}


def count_queries(client, url):
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("products", [3, 30])
def test_shop_query_counts_do_not_grow_with_products(client, make_post, products):
    image = make_image()
    made = [ProductFactory(cover_image=image, stock=100) for _ in range(products)]
    for product in made[:products]:
        client.post(
            reverse("shop:basket_add"),
            {"product": product.pk, "quantity": "1", "price": product.price},
        )
    post = make_post(
        body=[{"type": "product", "value": {"product": product.pk, "note": ""}} for product in made]
    )

    counts = {
        "shop": count_queries(client, reverse("shop:index")),
        "product": count_queries(client, made[0].get_absolute_url()),
        "basket": count_queries(client, reverse("shop:basket")),
        "count": count_queries(client, reverse("shop:basket_count")),
        "post_with_products": count_queries(client, post.url),
    }

    assert counts == EXPECTED
