"""The basket: adding, changing and removing items, and every bad input refused with a reason
and no change."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from shop.models import Basket, BasketLine, Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def add(client, product, quantity="1", price=None, **extra):
    data = {"product": product.pk, "quantity": quantity, "price": price or product.price, **extra}
    return client.post(reverse("shop:basket_add"), data, follow=True)


def messages_on(response) -> list[str]:
    return [m.text for m in BeautifulSoup(response.content, "html.parser").select(".message")]


def lines(client) -> dict[str, int]:
    return dict(BasketLine.objects.values_list("product__title", "quantity"))


def basket_id(client) -> str:
    return client.session["shop_basket_id"]


def test_adding_a_product_creates_the_basket_and_shows_it(client, home):
    product = ProductFactory(title="Tote bag", price=1200)

    response = add(client, product, "2")

    assert messages_on(response) == ["Added “Tote bag” to your basket."]
    assert lines(client) == {"Tote bag": 2}
    page = BeautifulSoup(response.content, "html.parser")
    assert "£24.00" in page.select_one(".basket-lines tbody").text


def test_adding_the_same_product_again_adds_to_its_line(client, home):
    product = ProductFactory()
    add(client, product, "1")
    add(client, product, "2")

    assert lines(client) == {product.title: 3}


def test_browsing_creates_no_basket(client, home):
    ProductFactory()
    client.get(reverse("shop:index"))
    client.get(reverse("shop:basket"))
    client.get(reverse("shop:basket_count"))

    assert Basket.objects.count() == 0


@pytest.mark.parametrize(
    "quantity, message",
    [
        ("0", "The quantity must be at least 1. To take an item out, use Remove."),
        ("-3", "The quantity must be at least 1. To take an item out, use Remove."),
        ("two", "Please enter the quantity as a whole number, like 1 or 2."),
        ("1.5", "Please enter the quantity as a whole number, like 1 or 2."),
        ("", "Please enter the quantity as a whole number, like 1 or 2."),
        ("6", "You can buy up to 5 of “Book” an order."),
        ("99999999999999999999", "You can buy up to 5 of “Book” an order."),
    ],
)
def test_bad_quantities_are_refused_with_a_reason(client, home, quantity, message):
    product = ProductFactory(title="Book", per_order_limit=5)

    response = add(client, product, quantity)

    assert response.status_code == 200
    assert messages_on(response) == [message]
    assert lines(client) == {}


def test_quantity_above_the_stock_left_is_refused(client, home):
    product = ProductFactory(title="Last few", stock=2, per_order_limit=5)

    response = add(client, product, "3")

    assert messages_on(response) == [
        "Sorry, only 2 of “Last few” left; your basket can hold up to 2."
    ]
    assert lines(client) == {}


def test_adding_beyond_the_limit_in_two_steps_is_refused_and_keeps_the_first(client, home):
    product = ProductFactory(title="Book", per_order_limit=3)
    add(client, product, "2")

    response = add(client, product, "2")

    assert "You can buy up to 3" in messages_on(response)[0]
    assert lines(client) == {"Book": 2}


@pytest.mark.parametrize("product_id", ["999999", "abc", "", "-1"])
def test_unknown_products_are_refused(client, home, product_id):
    response = client.post(
        reverse("shop:basket_add"), {"product": product_id, "quantity": "1"}, follow=True
    )

    assert messages_on(response) == ["Sorry, that product is not available."]
    assert Basket.objects.count() == 0


def test_hidden_products_cannot_be_added(client, home):
    product = ProductFactory(status=Product.Status.HIDDEN)

    assert messages_on(add(client, product)) == ["Sorry, that product is not available."]


def test_sold_out_products_cannot_be_added(client, home):
    by_status = ProductFactory(title="Gone", status=Product.Status.SOLD_OUT)
    by_stock = ProductFactory(title="Empty shelf", stock=0)

    assert messages_on(add(client, by_status)) == ["Sorry, “Gone” is sold out."]
    assert messages_on(add(client, by_stock)) == ["Sorry, “Empty shelf” is sold out."]
    assert lines(client) == {}


def test_a_pre_order_goes_in_the_basket_beside_items_in_stock(client, home):
    tote = ProductFactory(title="Tote")
    book = ProductFactory(title="New book", status=Product.Status.PRE_ORDER)

    add(client, tote)
    assert messages_on(add(client, book, "2")) == ["Added “New book” to your basket."]
    assert lines(client) == {"Tote": 1, "New book": 2}


@pytest.mark.parametrize(
    "campaign, message",
    [
        ({"preorder_open": False}, "Sorry, pre-orders for “New book” are closed."),
        (
            {"preorder_cap": 3, "preorder_reserved": 3},
            "Sorry, pre-orders for “New book” are closed.",
        ),
        (
            {"preorder_cap": 10, "preorder_reserved": 8},
            "Sorry, only 2 of “New book” left to pre-order; your basket can hold up to 2.",
        ),
        ({"preorder_per_buyer_limit": 2}, "You can pre-order up to 2 of “New book”."),
    ],
    ids=["closed", "full", "few left", "buyer limit"],
)
def test_a_pre_order_the_campaign_cannot_take_is_refused_with_its_reason(
    client, home, campaign, message
):
    book = ProductFactory(title="New book", status=Product.Status.PRE_ORDER, **campaign)

    assert messages_on(add(client, book, "3")) == [message]
    assert lines(client) == {}


def test_a_form_showing_an_old_price_changes_nothing_and_shows_the_new_price(client, home):
    product = ProductFactory(title="Book", price=1000)
    add(client, product, "1")
    product.price = 1500
    product.save()

    response = client.post(
        reverse("shop:basket_update"),
        {"product": product.pk, "quantity": "3", "price": "1000", "basket": basket_id(client)},
        follow=True,
    )

    assert messages_on(response) == [
        "The price of “Book” is now £15.00. Nothing was changed: please check the new price "
        "and try again."
    ]
    assert lines(client) == {"Book": 1}
    assert "£15.00" in BeautifulSoup(response.content, "html.parser").select_one("tbody").text


def test_changing_the_quantity(client, home):
    product = ProductFactory(title="Book")
    add(client, product, "1")

    response = client.post(
        reverse("shop:basket_update"),
        {
            "product": product.pk,
            "quantity": "4",
            "price": product.price,
            "basket": basket_id(client),
        },
        follow=True,
    )

    assert messages_on(response) == ["Updated “Book” to 4."]
    assert lines(client) == {"Book": 4}


@pytest.mark.parametrize("quantity", ["0", "x", "6"])
def test_a_bad_quantity_change_keeps_the_line_as_it_was(client, home, quantity):
    product = ProductFactory(per_order_limit=5)
    add(client, product, "2")

    client.post(
        reverse("shop:basket_update"),
        {
            "product": product.pk,
            "quantity": quantity,
            "price": product.price,
            "basket": basket_id(client),
        },
    )

    assert lines(client) == {product.title: 2}


def test_removing_and_emptying(client, home):
    book, bag = ProductFactory(title="Book"), ProductFactory(title="Bag")
    add(client, book)
    add(client, bag)

    response = client.post(
        reverse("shop:basket_remove"),
        {"product": book.pk, "basket": basket_id(client)},
        follow=True,
    )
    assert messages_on(response) == ["Removed “Book” from your basket."]
    assert lines(client) == {"Bag": 1}

    client.post(reverse("shop:basket_empty"), {"basket": basket_id(client)})
    assert lines(client) == {}


def test_a_form_for_another_basket_is_refused(client, home):
    product = ProductFactory()
    add(client, product, "2")
    someone_else = Basket.objects.create()

    for url, data in [
        ("shop:basket_update", {"product": product.pk, "quantity": "1", "price": product.price}),
        ("shop:basket_remove", {"product": product.pk}),
        ("shop:basket_empty", {}),
    ]:
        response = client.post(reverse(url), {**data, "basket": str(someone_else.pk)}, follow=True)
        assert "no longer yours" in messages_on(response)[0]
    assert lines(client) == {product.title: 2}


def test_a_tampered_session_basket_id_is_forgotten(client, home):
    session = client.session
    session["shop_basket_id"] = "not-a-basket"
    session.save()

    response = client.get(reverse("shop:basket"))

    assert response.status_code == 200
    assert "Your basket is empty." in response.content.decode()


def test_changing_an_item_that_is_not_in_the_basket(client, home):
    product, other = ProductFactory(), ProductFactory()
    add(client, product)

    response = client.post(
        reverse("shop:basket_remove"),
        {"product": other.pk, "basket": basket_id(client)},
        follow=True,
    )

    assert messages_on(response) == ["That item is not in your basket any more."]


def test_basket_only_holds_one_currency(client, home):
    add(client, ProductFactory(title="Pound thing", currency="GBP"))

    response = add(client, ProductFactory(title="Euro thing", currency="EUR"))

    assert "priced in GBP" in messages_on(response)[0]
    assert lines(client) == {"Pound thing": 1}


def test_shipping_depends_on_region_and_bulkiest_item(client, home):
    add(client, ProductFactory(title="CD", price=1000, shipping_class="small"))
    page = BeautifulSoup(client.get(reverse("shop:basket")).content, "html.parser")
    assert page.select_one(".basket-total td").text == "£12.95"

    add(client, ProductFactory(title="Record", price=2000, shipping_class="large"))
    client.post(reverse("shop:basket_region"), {"region": "world", "basket": basket_id(client)})

    page = BeautifulSoup(client.get(reverse("shop:basket")).content, "html.parser")
    assert page.select_one(".basket-total td").text == "£45.95"  # 30.00 + 15.95


def test_unknown_shipping_region_is_refused(client, home):
    add(client, ProductFactory())

    response = client.post(
        reverse("shop:basket_region"), {"region": "mars", "basket": basket_id(client)}, follow=True
    )

    assert messages_on(response) == ["Please choose where the order is going from the list."]


def test_basket_flags_items_that_sold_out_after_they_were_added(client, home):
    product = ProductFactory(title="Popular", stock=5)
    add(client, product, "3")
    Product.objects.filter(pk=product.pk).update(stock=0)

    page = BeautifulSoup(client.get(reverse("shop:basket")).content, "html.parser")

    assert page.select_one(".line-problem").text == "Sold out since you added it: please remove it."


def test_item_count_endpoint_is_private_and_counts_units(client, home):
    assert client.get(reverse("shop:basket_count")).json()["count"] == 0
    add(client, ProductFactory(), "2")
    add(client, ProductFactory(), "1")

    response = client.get(reverse("shop:basket_count"))

    assert response.json()["count"] == 3
    assert "no-store" in response["Cache-Control"]


def test_get_requests_to_basket_actions_are_refused(client, home):
    for name in [
        "basket_add",
        "basket_update",
        "basket_remove",
        "basket_empty",
        "basket_region",
        "basket_discount",
        "basket_discount_remove",
    ]:
        assert client.get(reverse(f"shop:{name}")).status_code == 405


def test_adding_without_a_token_adds_nothing_and_asks_to_confirm(home):
    """The buy forms on cached pages carry no token; without JavaScript (or from another
    site) the add is not made but offered again on a page with a real token."""
    product = ProductFactory(title="Dirty Old Town")
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(
        reverse("shop:basket_add"), {"product": product.pk, "quantity": "2", "price": product.price}
    )

    assert response.status_code == 200
    assert Basket.objects.count() == 0
    assert "no-store" in response["Cache-Control"]
    form = BeautifulSoup(response.content, "html.parser").select_one("main form.buy-form")
    fields = {field["name"]: field.get("value") for field in form.select("input")}
    assert fields["quantity"] == "2" and fields["product"] == str(product.pk)
    assert fields["csrfmiddlewaretoken"]

    confirmed = strict.post(reverse("shop:basket_add"), fields)

    assert confirmed.status_code == 302
    assert Basket.objects.get().lines.get().quantity == 2


@pytest.mark.parametrize(
    ("product_field", "reason"),
    [
        ("sold-out", "Sorry, “Gone” is sold out."),
        ("999999", "Sorry, that product is not available."),
    ],
)
def test_confirming_an_add_says_why_a_product_cannot_be_added(home, product_field, reason):
    sold_out = ProductFactory(title="Gone", stock=0)
    strict = Client(enforce_csrf_checks=True)
    product = sold_out.pk if product_field == "sold-out" else product_field

    response = strict.post(reverse("shop:basket_add"), {"product": product, "quantity": "1"})

    assert response.status_code == 302 and response["Location"] == reverse("shop:basket")
    assert messages_on(strict.get(reverse("shop:basket"))) == [reason]
    assert Basket.objects.count() == 0


def test_token_from_the_basket_count_request_lets_the_buy_form_add_directly(home):
    product = ProductFactory()
    strict = Client(enforce_csrf_checks=True)
    page = BeautifulSoup(strict.get(product.get_absolute_url()).content, "html.parser")
    token_input = page.select_one("form.buy-form input[data-csrf-token]")
    assert token_input["value"] == ""  # the page itself is the same for everyone

    token_input["value"] = strict.get(reverse("shop:basket_count")).json()["csrfToken"]
    fields = {field["name"]: field.get("value") for field in page.select("form.buy-form input")}
    response = strict.post(reverse("shop:basket_add"), fields)

    assert response.status_code == 302
    assert Basket.objects.get().lines.get().product == product


def test_add_returns_to_a_safe_next_page_only(client, home, make_post):
    product = ProductFactory()
    post = make_post()

    to_post = client.post(
        reverse("shop:basket_add"),
        {"product": product.pk, "quantity": "1", "price": product.price, "next": post.url},
    )
    elsewhere = client.post(
        reverse("shop:basket_add"),
        {
            "product": product.pk,
            "quantity": "1",
            "price": product.price,
            "next": "https://evil.example/",
        },
    )

    assert to_post["Location"] == post.url
    assert elsewhere["Location"] == reverse("shop:basket")


def test_pages_that_never_touch_the_basket_do_not_load_it(client, make_post):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    add(client, ProductFactory(), "1")
    post = make_post()
    client.get(post.url)

    with CaptureQueriesContext(connection) as queries:
        client.get(post.url)

    assert not [q for q in queries.captured_queries if "shop_basket" in q["sql"]]
