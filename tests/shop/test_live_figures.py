"""What is left of a product reaches cached pages live, with the basket count: a sale or a
pre-order never retires a cached page, and the figures answer cost one query.

Changes run inside `commit(...)`, as a real commit would run them, so a retirement would show."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from shop import checkout, preorders
from shop.live_figures import MAX_PRODUCTS
from shop.models import Order, PreOrder, Product
from tests.factories import PreOrderProductFactory, ProductFactory

pytestmark = pytest.mark.django_db

COUNT_URL = reverse("shop:basket_count")
BUYER = preorders.Buyer("Jane O'Reader", "jane@example.com", "1 High St", "", "London", "E1", "GB")


def figures(client, *products) -> dict:
    response = client.get(COUNT_URL, {"products": ",".join(str(p.pk) for p in products)})
    assert response.status_code == 200
    return response.json()["products"]


def buy(product, quantity=1) -> None:
    """A buyer on another connection adds to their basket and starts a checkout, which takes
    the stock (Stripe's page is where they would pay)."""
    buyer = Client()
    buyer.post(
        reverse("shop:basket_add"),
        {"product": product.pk, "quantity": str(quantity), "price": product.price},
    )
    response = buyer.post(reverse("shop:checkout"), {"email": "buyer@example.com"})
    assert response.status_code == 302, response


@pytest.fixture
def cached_pages(client, make_post):
    """The product page, the shop and a post featuring the product, each read once, so the
    cache holds them."""

    def read(product):
        post = make_post(body=[{"type": "product", "value": {"product": product.pk}}])
        urls = [product.get_absolute_url(), reverse("shop:index"), post.url]
        for url in urls:
            assert client.get(url)["X-Cache"] == "MISS", url
        return urls

    return read


def test_a_sale_leaves_the_product_page_the_shop_and_featuring_posts_cached(
    client, home, fake_stripe, commit, cached_pages
):
    product = ProductFactory(title="Tote", price=1200, stock=3)
    urls = cached_pages(product)

    commit(buy, product)

    assert Product.objects.get(pk=product.pk).stock == 2
    for url in urls:
        assert client.get(url)["X-Cache"] == "HIT", url
    assert figures(client, product)[str(product.pk)]["label"] == "In stock: only 2 left"


def test_a_pre_order_leaves_cached_pages_cached_and_the_figures_say_what_is_left(
    client, home, commit, cached_pages
):
    book = PreOrderProductFactory(preorder_cap=10)
    urls = cached_pages(book)

    commit(preorders.place_preorder, book.pk, 3, BUYER, "a-form-token")

    for url in urls:
        assert client.get(url)["X-Cache"] == "HIT", url
    assert figures(client, book)[str(book.pk)] == {
        "label": "Available to pre-order: 7 of 10 left",
        "availability": "PreOrder",
        "canBuy": True,
        "maxQuantity": 5,
    }


def test_cancelling_a_checkout_gives_the_stock_back_without_retiring_pages(
    client, home, fake_stripe, commit, cached_pages
):
    product = ProductFactory(stock=1)
    buy(product)
    urls = cached_pages(product)
    assert figures(client, product)[str(product.pk)]["canBuy"] is False

    commit(checkout.cancel_checkout, Order.objects.get())

    for url in urls:
        assert client.get(url)["X-Cache"] == "HIT", url
    assert figures(client, product)[str(product.pk)]["label"] == "In stock: only 1 left"
    assert figures(client, product)[str(product.pk)]["canBuy"] is True


def test_cancelling_a_pre_order_gives_units_back_without_retiring_pages(
    client, home, commit, cached_pages
):
    book = PreOrderProductFactory(preorder_cap=2)
    preorder, _ = preorders.place_preorder(book.pk, 2, BUYER, "a-form-token")
    urls = cached_pages(book)

    commit(preorders.cancel_preorder, preorder.pk)

    assert PreOrder.objects.get().status == PreOrder.Status.CANCELLED
    for url in urls:
        assert client.get(url)["X-Cache"] == "HIT", url
    assert figures(client, book)[str(book.pk)]["label"] == "Available to pre-order: 2 of 2 left"


def test_a_staff_edit_of_a_product_still_retires_its_pages(client, home, commit, cached_pages):
    product = ProductFactory(price=1200)
    urls = cached_pages(product)

    def reprice():
        product.price = 1500
        product.save()

    commit(reprice)

    for url in urls:
        response = client.get(url)
        assert response["X-Cache"] == "MISS", url
        assert "£15.00" in response.content.decode(), url


def test_the_last_unit_sold_shows_sold_out_and_no_working_buy_button_on_the_cached_page(
    client, home, fake_stripe, commit
):
    product = ProductFactory(title="Tote", stock=1)
    client.get(product.get_absolute_url())

    commit(buy, product)

    cached = client.get(product.get_absolute_url())
    assert cached["X-Cache"] == "HIT"
    live = figures(client, product)[str(product.pk)]
    assert live == {
        "label": "Sold out",
        "availability": "SoldOut",
        "canBuy": False,
        "maxQuantity": 0,
    }
    # What quire.js fills: the figure and the buy form, both marked with the product.
    page = BeautifulSoup(cached.content, "html.parser")
    assert page.select_one(f".product__info [data-live-stock='{product.pk}']") is not None
    assert page.select_one(f"form.buy-form[data-live-buy='{product.pk}']") is not None


def test_a_product_rendered_sold_out_keeps_a_disabled_form_for_when_stock_comes_back(client, home):
    product = ProductFactory(stock=0)

    page = BeautifulSoup(client.get(product.get_absolute_url()).content, "html.parser")

    form = page.select_one(f"form.buy-form[data-live-buy='{product.pk}']")
    assert form.button.has_attr("disabled")
    assert form.select_one("input[name=quantity]").has_attr("disabled")
    assert page.select_one(".product__info").get_text().count("Sold out") == 1


def test_without_javascript_a_sold_out_product_on_a_cached_page_is_refused_with_a_reason(
    client, home, fake_stripe, commit
):
    product = ProductFactory(title="Tote", stock=1)
    client.get(product.get_absolute_url())
    commit(buy, product)

    # The cached page still offers it; the basket refuses it and says why.
    response = client.post(
        reverse("shop:basket_add"),
        {"product": product.pk, "quantity": "1", "price": product.price},
        follow=True,
    )

    messages = [m.text for m in BeautifulSoup(response.content, "html.parser").select(".message")]
    assert messages == ["Sorry, “Tote” is sold out."]


def test_the_figures_cost_one_query_however_many_products_are_asked_for(
    client, home, django_assert_num_queries
):
    one = [ProductFactory(stock=3)]
    many = one + [ProductFactory(stock=n) for n in range(1, 10)] + [PreOrderProductFactory()]

    with django_assert_num_queries(1):
        assert len(figures(client, *one)) == 1
    with django_assert_num_queries(1):
        assert len(figures(client, *many)) == 11


def test_hidden_and_unknown_products_are_left_out(client, home):
    hidden = ProductFactory(status=Product.Status.HIDDEN)

    response = client.get(COUNT_URL, {"products": f"{hidden.pk},999999"})

    assert response.json()["products"] == {}


def test_without_products_the_count_answers_as_before(client, home):
    data = client.get(COUNT_URL).json()

    assert set(data) == {"count", "csrfToken"}


@pytest.mark.parametrize(
    "products",
    [
        "abc",
        "1,two",
        "1,,2",
        "-1",
        "0",
        "1.5",
        " 1",
        "9" * 19,  # beyond any product id, never a database error
        ",".join(str(n) for n in range(1, MAX_PRODUCTS + 2)),
    ],
)
def test_bad_product_lists_are_refused_with_a_reason(client, home, products):
    response = client.get(COUNT_URL, {"products": products})

    assert response.status_code == 400
    assert response.json()["error"]
    assert "no-store" in response["Cache-Control"]


def test_the_figures_are_never_stored_by_the_page_cache_or_a_shared_cache(client, home):
    product = ProductFactory()

    response = client.get(COUNT_URL, {"products": str(product.pk)})

    assert response.get("X-Cache") is None
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
