"""Odd input on every public and shop endpoint (query strings, path segments, form fields,
signed webhook bodies) never makes a 5xx, and a refusal writes nothing: the counts of orders,
pre-orders, baskets, basket lines and webhook events stay as they were.

Hypothesis draws the odd values; the database is not reset between examples, so each example
checks what it changed itself."""

import json
import os
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import constants, get_messages
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop import preorders
from shop.forms import new_form_token
from shop.models import (
    Basket,
    BasketLine,
    DiscountCode,
    Order,
    PaymentEvent,
    PreOrder,
    Product,
)
from tests.factories import (
    PreOrderProductFactory,
    ProductFactory,
    make_order,
    make_preorder_form_page,
)
from tests.shop.stripe_events import checkout_session, event, signed
from tests.shop.test_preorders import details

pytestmark = pytest.mark.django_db


# `make fuzz` sets this to run many times more examples than the suite does.
EXAMPLES_SCALE = int(os.environ.get("QUIRE_FUZZ_SCALE", "1"))


def examples(count: int):
    """Hypothesis settings for `count` examples (times QUIRE_FUZZ_SCALE); the fixtures are made
    once per test, not per example, which is what these tests want (each example checks its
    own changes)."""
    return settings(
        max_examples=count * EXAMPLES_SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


fuzz = examples(200)

# Values people and bots actually send, beside whatever Hypothesis makes up.
NASTY = [
    "",
    " ",
    "\x00",
    "%00",
    "a\x00b",
    "\r\n",
    "../../etc/passwd",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "0",
    "-1",
    "1.5",
    "1e5",
    "99999999999999999999",
    "NaN",
    "９",
    "😀",
    "a" * 255,
    "a" * 321 + "@example.com",
    "x@" + "a" * 300 + ".com",
    "foo",
    "//evil.example/",
    "javascript:alert(1)",
    "shop:basket",
]
odd_text = st.one_of(
    st.sampled_from(["\x00", "a\x00", "\x00a"]),  # PostgreSQL refuses NUL in any text
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(min_size=200, max_size=400),
)
odd_query = st.dictionaries(
    st.one_of(
        st.sampled_from(["q", "page", "product", "session_id", "tag", "next", "format"]),
        st.text(min_size=1, max_size=10),
    ),
    st.one_of(odd_text, st.lists(odd_text, min_size=2, max_size=3)),
    max_size=3,
)


def written() -> dict[str, int]:
    """What a request could have written, counted."""
    return {
        model.__name__: model.objects.count()
        for model in (Order, PreOrder, Basket, BasketLine, PaymentEvent)
    }


def refused(client, response) -> bool:
    """A 4xx, or a redirect to one of our pages that shows the buyer an error (fetching it
    shows this request's messages, and uses them up for the next example)."""
    if 400 <= response.status_code < 500:
        return True
    if response.status_code != 302 or not response["Location"].startswith("/"):
        return False
    page = BeautifulSoup(client.get(response["Location"]).content, "html.parser")
    return bool(page.select(".message--error"))


def refused_in_a_fresh_session(response) -> bool:
    """For a client that has made no other request: a 4xx or an error message queued."""
    if 400 <= response.status_code < 500:
        return True
    return any(m.level == constants.ERROR for m in get_messages(response.wsgi_request))


def assert_no_server_error(response):
    assert response.status_code < 500, response.content[:500]


@pytest.fixture
def shop(home, make_post, fake_stripe):
    """One of everything a URL can name: a post with a tag, a product, a pre-order product
    and its form page, a pending order and a reserved pre-order."""
    post = make_post(tags=["walks"])
    product = ProductFactory(slug="tote", stock=50, per_order_limit=5)
    DiscountCode.objects.create(code="WELCOME10", percent=10)
    book = PreOrderProductFactory(slug="book", preorder_cap=1000, preorder_per_buyer_limit=5)
    form_page = make_preorder_form_page(home)
    order = make_order([(product, 1)], session_id="cs_test_fuzz")
    buyer = preorders.Buyer("Ruth", "ruth@example.com", "1 Canal St", "", "Salford", "M5", "GB")
    preorder = preorders.place_preorder(book.pk, 1, buyer, "fuzz-form-token")[0]
    return {
        "post": post,
        "product": product,
        "book": book,
        "form_page": form_page,
        "order": order,
        "preorder": preorder,
    }


def mangled(path: str, data) -> str:
    """`path` as it is, or with one segment replaced by odd text, odd text added to one
    segment ("Q-7K2M9XRB\x00"), or an odd segment added."""
    segments = path.strip("/").split("/") if path != "/" else []
    how = data.draw(st.sampled_from(["keep", "replace", "append", "add"]))
    if how == "keep":
        return path
    odd = quote(data.draw(odd_text.filter(bool)), safe="")
    if how == "add" or not segments:
        segments.insert(data.draw(st.integers(0, len(segments))), odd)
    else:
        at = data.draw(st.integers(0, len(segments) - 1))
        segments[at] = odd if how == "replace" else segments[at] + odd
    return "/" + "".join(f"{segment}/" for segment in segments)


GET_PAGES = [
    "/",
    "/blog/",
    "{post}",
    "/blog/tag/walks/",
    "/blog/archive/2026/1/",
    "/search/",
    "/feed/",
    "/feed/atom/",
    "/sitemap.xml",
    "/robots.txt",
    "/favicon.ico",
    "/health/",
    "/shop/",
    "/shop/products/tote/",
    "/shop/basket/",
    "/shop/basket/count/",
    "/shop/checkout/success/",
    "/shop/pre-orders/paid/",
    "/shop/pre-order/",
    "{form_page}",
    "{thanks}",
    "{order}",
    "{cancel}",
    "{preorder}",
]


def real_path(page: str, shop) -> str:
    order, preorder, form_page = shop["order"], shop["preorder"], shop["form_page"]
    return page.format(
        post=shop["post"].url,
        form_page=form_page.url,
        thanks=form_page.url
        + form_page.reverse_subpage("thanks", args=[preorder.reference, preorder.access_token]),
        order=order.get_absolute_url(),
        cancel=f"/shop/checkout/cancel/{order.reference}/{order.access_token}/",
        preorder=preorder.get_absolute_url(),
    )


@examples(20 * len(GET_PAGES))
@given(page=st.sampled_from(GET_PAGES), data=st.data())
def test_get_pages_never_fail_on_odd_paths_or_queries(client, shop, page, data):
    """Every page, its path mangled and an odd query string added: a page, a redirect or a
    404, and a GET never adds a row."""
    path = mangled(real_path(page, shop), data)
    before = written()

    response = client.get(path, data.draw(odd_query))

    assert_no_server_error(response)
    assert written() == before


def basket_lines() -> list[tuple]:
    return sorted(BasketLine.objects.values_list("basket_id", "product_id", "quantity"))


@fuzz
@given(
    product=st.one_of(st.just("product"), st.just("book"), odd_text),
    quantity=st.one_of(st.integers(-3, 9).map(str), odd_text),
    price=st.one_of(st.none(), st.just("real"), odd_text),
    next_page=st.one_of(st.none(), st.just("/blog/"), odd_text),
)
def test_adding_odd_fields_to_the_basket_refuses_or_adds(shop, product, quantity, price, next_page):
    """A refused add leaves every basket as it was; an accepted one keeps the session."""
    client = Client()
    chosen = shop.get(product)
    fields = {"product": chosen.pk if chosen else product, "quantity": quantity}
    if price is not None:
        fields["price"] = chosen.price if chosen and price == "real" else price
    if next_page is not None:
        fields["next"] = next_page
    before, lines = written(), basket_lines()

    response = client.post("/shop/basket/add/", fields)

    assert_no_server_error(response)
    if refused_in_a_fresh_session(response):
        assert (written(), basket_lines()) == (before, lines)
    else:
        assert Basket.objects.filter(pk=client.session["shop_basket_id"]).exists()


@pytest.fixture
def buyer_with_basket(shop):
    client = Client()
    client.post("/shop/basket/add/", {"product": shop["product"].pk, "quantity": "2"})
    return client


@fuzz
@given(
    action=st.sampled_from(["update", "remove", "empty", "region", "discount", "discount/remove"]),
    product=st.one_of(st.just("product"), odd_text),
    quantity=st.one_of(st.integers(-3, 9).map(str), odd_text),
    region=st.one_of(st.just("uk"), odd_text),
    code=st.one_of(st.just("WELCOME10"), st.just("welcome10 "), odd_text),
    basket=st.one_of(st.none(), st.just("mine"), odd_text),
)
def test_changing_the_basket_with_odd_fields_refuses_or_changes_it(
    shop, buyer_with_basket, action, product, quantity, region, code, basket
):
    client = buyer_with_basket
    chosen = shop.get(product)
    fields = {
        "product": chosen.pk if chosen else product,
        "quantity": quantity,
        "region": region,
        "code": code,
    }
    if basket is not None:
        fields["basket"] = client.session["shop_basket_id"] if basket == "mine" else basket
    before = written()
    lines = basket_lines()
    baskets = list(Basket.objects.values_list("shipping_region", "discount_code"))

    response = client.post(f"/shop/basket/{action}/", fields)

    assert_no_server_error(response)
    if refused(client, response):
        assert written() == before
        assert basket_lines() == lines
        assert list(Basket.objects.values_list("shipping_region", "discount_code")) == baskets
    if not BasketLine.objects.exists():  # emptied or removed: refill for the next example
        client.post("/shop/basket/add/", {"product": shop["product"].pk, "quantity": "2"})


@examples(30)
@given(
    email=st.one_of(
        odd_text,
        st.emails(),
        st.integers(1, 330).map(lambda n: "a" * n + "@example.com"),  # valid up to 320
    )
)
def test_checking_out_with_an_odd_email_refuses_or_opens_a_payment_page(
    shop, buyer_with_basket, email
):
    """A refused checkout creates no order and takes no stock (it may give back the stock of
    the basket's earlier, still open checkout, which starting a new one closes). Each
    accepted checkout opens a page at the local Stripe server, so fewer examples."""
    before = written()
    stock = Product.objects.get(pk=shop["product"].pk).stock

    unlimited = (10**6, 3600)
    with override_settings(
        QUIRE_CHECKOUT_LIMIT_PER_SESSION=unlimited, QUIRE_CHECKOUT_LIMIT_PER_IP=unlimited
    ):
        response = buyer_with_basket.post("/shop/checkout/", {"email": email})

    assert_no_server_error(response)
    if refused(buyer_with_basket, response):
        assert written() == before
        assert Product.objects.get(pk=shop["product"].pk).stock >= stock


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), odd_text),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)
session_fields = st.dictionaries(
    st.sampled_from(
        [
            "id",
            "status",
            "payment_status",
            "client_reference_id",
            "metadata",
            "customer_details",
            "collected_information",
            "shipping_details",
            "payment_intent",
            "customer",
            "url",
        ]
    ),
    json_values,
    max_size=3,
)
event_types = st.one_of(
    st.sampled_from(
        [
            "checkout.session.completed",
            "checkout.session.expired",
            "checkout.session.async_payment_failed",
            "charge.updated",
        ]
    ),
    json_values,
)


@st.composite
def webhook_bodies(draw):
    """Stripe's event shape with parts left out or swapped for odd JSON, or odd JSON alone."""
    number = draw(st.integers(0, 10**6))
    session = {**checkout_session(f"cs_test_{number}"), **draw(session_fields)}
    payload = event("checkout.session.completed", session, event_id=f"evt_fuzz_{number}")
    payload["type"] = draw(event_types)
    for key in draw(st.lists(st.sampled_from(["id", "type", "data"]), max_size=2)):
        if draw(st.booleans()):
            payload.pop(key, None)
        else:
            payload[key] = draw(json_values)
    return draw(st.one_of(st.just(payload), json_values))


@fuzz
@given(payload=webhook_bodies())
def test_a_signed_webhook_of_any_shape_is_recorded_or_refused_with_nothing_kept(
    client, shop, payload
):
    before = written()
    body, signature = signed(payload)

    response = client.post(
        "/shop/stripe/webhook/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )

    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 400:
        assert response.content.startswith(b"Invalid webhook: ")
        assert written() == before
    else:
        assert PaymentEvent.objects.filter(stripe_event_id=json.loads(body)["id"]).exists()


PRE_ORDER_FIELDS = details(quantity="1")  # the form as a buyer fills it in


@fuzz
@given(
    odd_fields=st.dictionaries(
        st.sampled_from([*PRE_ORDER_FIELDS, "product", "form_token"]), odd_text, max_size=3
    )
)
def test_the_pre_order_form_with_odd_fields_refuses_or_places_one(shop, odd_fields):
    """Valid but for a few odd fields; a refusal (400, 409) reserves no unit."""
    book = shop["book"]
    fields = {
        **PRE_ORDER_FIELDS,
        "product": book.pk,
        "form_token": new_form_token(),
        **odd_fields,
    }
    before = written()
    reserved = Product.objects.get(pk=book.pk).preorder_reserved

    with override_settings(QUIRE_PREORDER_LIMIT_PER_IP=(10**6, 3600)):
        client = Client()
        response = client.post(shop["form_page"].url, fields)

    assert_no_server_error(response)
    if refused(client, response):
        assert written() == before
        assert Product.objects.get(pk=book.pk).preorder_reserved == reserved


@fuzz
@given(
    action=st.sampled_from(["", "pay/", "cancel/"]),
    odd_fields=st.dictionaries(st.sampled_from(list(PRE_ORDER_FIELDS)), odd_text, max_size=3),
    data=st.data(),
)
def test_a_buyers_pre_order_page_with_odd_fields_refuses_or_acts(shop, action, odd_fields, data):
    """The private page, its pay and cancel buttons, with odd address fields and a mangled
    link; a refusal changes nothing."""
    preorder = shop["preorder"]
    path = mangled(preorder.get_absolute_url() + action, data)
    fields = {**PRE_ORDER_FIELDS, **odd_fields}
    before = written()
    address = PreOrder.objects.filter(pk=preorder.pk).values().get()

    client = Client()
    response = client.post(path, fields)

    assert_no_server_error(response)
    if refused(client, response):
        assert written() == before
        if action == "":
            assert PreOrder.objects.filter(pk=preorder.pk).values().get() == address
