"""Ordinary bad input (an odd `next`, a long email, a NUL byte, a malformed webhook) is refused
with a 4xx or a message on the page, never a 500, and leaves nothing half-written."""

import pytest
import stripe
from bs4 import BeautifulSoup
from django.conf import settings
from django.urls import reverse

from shop import preorders
from shop.models import Basket, BasketLine, Order, PaymentEvent, PreOrder, Product
from tests.factories import (
    PreOrderProductFactory,
    ProductFactory,
    make_order,
    make_preorder_form_page,
)
from tests.shop.stripe_events import checkout_session, event, signed

pytestmark = pytest.mark.django_db


def messages_on(response) -> list[str]:
    return [m.text for m in BeautifulSoup(response.content, "html.parser").select(".message")]


@pytest.mark.parametrize("next_url", ["foo", "foo.html", "shop:basket", "javascript:x", "\x00"])
def test_an_odd_next_page_is_ignored_and_the_added_line_stays_in_the_basket(client, next_url):
    product = ProductFactory(title="Tote")

    response = client.post(
        reverse("shop:basket_add"), {"product": product.pk, "quantity": "1", "next": next_url}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("shop:basket")
    basket = Basket.objects.get()  # no orphan: the session still points at the one basket
    assert client.session["shop_basket_id"] == str(basket.pk)
    assert list(basket.lines.values_list("product__title", "quantity")) == [("Tote", 1)]


@pytest.mark.parametrize("action", ["add", "update", "remove"])
def test_a_product_id_larger_than_the_database_holds_is_refused_with_a_reason(client, action):
    """SQLite refuses to be asked about an integer beyond 64 bits; it names no product."""
    product = ProductFactory(title="Tote")
    client.post(reverse("shop:basket_add"), {"product": product.pk, "quantity": "1"}, follow=True)

    response = client.post(
        reverse(f"shop:basket_{action}"),
        {"product": "9" * 20, "quantity": "1"},
        follow=True,
    )

    assert messages_on(response) in (
        ["Sorry, that product is not available."],
        ["That item is not in your basket any more."],
    )
    assert list(BasketLine.objects.values_list("product__title", "quantity")) == [("Tote", 1)]


@pytest.mark.parametrize("length", [255, 300, 320])
def test_a_checkout_email_longer_than_an_order_keeps_is_refused_with_a_reason(
    client, fake_stripe, length
):
    product = ProductFactory(stock=5)
    client.post(reverse("shop:basket_add"), {"product": product.pk, "quantity": "2"}, follow=True)
    email = "a" * (length - len("@example.com")) + "@example.com"

    response = client.post(reverse("shop:checkout"), {"email": email}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("shop:basket")
    assert messages_on(response) == [
        "Please enter an email address of at most 254 characters for your receipt."
    ]
    assert Order.objects.count() == 0
    assert Product.objects.get().stock == 5
    assert BasketLine.objects.get().quantity == 2


@pytest.fixture
def order():
    return make_order([(ProductFactory(), 1)], session_id="cs_test_nul")


@pytest.fixture
def preorder(home):
    book = PreOrderProductFactory()
    buyer = preorders.Buyer("Ruth", "ruth@example.com", "1 Canal St", "", "Salford", "M5", "GB")
    return preorders.place_preorder(book.pk, 1, buyer, "form-token")[0]


def nul_links(purchase, name):
    """Links to `purchase` with a NUL byte in the reference, the token, or as either."""
    ref, token = purchase.reference, purchase.access_token
    url = reverse(name, args=[ref, token])
    return [
        url.replace(ref, ref + "%00"),
        url.replace(token, token + "%00"),
        url.replace(ref, "%00").replace(token, "%00"),
    ]


def test_a_nul_byte_in_an_order_link_is_not_found(client, order):
    for url in nul_links(order, "shop:order") + nul_links(order, "shop:checkout_cancel"):
        assert client.get(url).status_code == 404, url
    assert Order.objects.get().status == Order.Status.PENDING


def test_a_nul_byte_in_a_pre_order_link_is_not_found(client, preorder):
    for url in nul_links(preorder, "shop:preorder"):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "Someone else"}).status_code == 404, url
    for url in nul_links(preorder, "shop:preorder_pay") + nul_links(
        preorder, "shop:preorder_cancel"
    ):
        assert client.post(url).status_code == 404, url
    preorder.refresh_from_db()
    assert (preorder.status, preorder.name) == (PreOrder.Status.RESERVED, "Ruth")


@pytest.mark.parametrize("route", ["shop:checkout_success", "shop:preorder_paid"])
@pytest.mark.parametrize("session_id", ["\x00", "cs_test_nul\x00", "cs_test_\x00nul"])
def test_a_nul_byte_in_a_returning_session_id_is_not_found(client, order, route, session_id):
    response = client.get(reverse(route), {"session_id": session_id})

    assert response.status_code == 404
    assert Order.objects.get().status == Order.Status.PENDING


def test_a_nul_byte_in_a_pre_order_link_to_a_product_says_it_cannot_be_pre_ordered(
    client, home, preorder
):
    make_preorder_form_page(home)

    response = client.get(reverse("shop:pre_order"), {"product": "\x00"}, follow=True)

    assert response.status_code == 200
    assert "the product this link is for cannot be pre-ordered" in response.content.decode()


def deliver(client, payload):
    """POST a webhook signed with the shop's secret: `payload` as JSON, or a str as it is."""
    body = payload if isinstance(payload, str) else signed(payload)[0]
    signature = stripe.WebhookSignature.generate_signature_header(
        body, settings.STRIPE_WEBHOOK_SECRET
    )
    return client.post(
        reverse("shop:stripe_webhook"),
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )


def paid(order, **changes):
    session = {**checkout_session(order.stripe_session_id, reference=order.reference), **changes}
    return event("checkout.session.completed", session)


def without(mapping, key):
    return {k: v for k, v in mapping.items() if k != key}


MALFORMED_EVENTS = {
    "no id": lambda order: without(paid(order), "id"),
    "an empty id": lambda order: {**paid(order), "id": ""},
    "an id that is a number": lambda order: {**paid(order), "id": 42},
    "an id too long to keep": lambda order: {**paid(order), "id": "evt_" + "x" * 300},
    "no type": lambda order: without(paid(order), "type"),
    "a type that is a list": lambda order: {**paid(order), "type": ["checkout"]},
    "no data": lambda order: without(paid(order), "data"),
    "data that is a string": lambda order: {**paid(order), "data": "x"},
    "an object that is a list": lambda order: {**paid(order), "data": {"object": [1]}},
    "an object that is a string": lambda order: {**paid(order), "data": {"object": "cs"}},
    "a session without an id": lambda order: paid(order, id=None),
    "metadata that is a string": lambda order: paid(order, metadata="order"),
    "customer details that are a list": lambda order: paid(order, customer_details=[]),
    "an address that is a string": lambda order: paid(
        order, collected_information={"shipping_details": {"name": "R", "address": "Salford"}}
    ),
    "a NUL byte": lambda order: paid(order, client_reference_id="Q-\x00"),
    "a body that is a list": lambda order: [paid(order)],
    "a body that is a string": lambda order: '"checkout"',
    "a body that is null": lambda order: "null",
}


@pytest.mark.parametrize("shape", MALFORMED_EVENTS)
def test_a_signed_webhook_of_the_wrong_shape_is_refused_and_recorded_nowhere(client, shape):
    order = make_order([(ProductFactory(), 1)], session_id="cs_test_shape")
    payload = MALFORMED_EVENTS[shape](order)

    response = deliver(client, payload)

    assert response.status_code == 400
    assert response.content.startswith(b"Invalid webhook: ")
    assert PaymentEvent.objects.count() == 0
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


@pytest.mark.parametrize("number", ["NaN", "Infinity", "1e999"])
def test_a_signed_webhook_with_a_number_the_database_cannot_keep_is_refused(client, number):
    body = '{"id": "evt_n", "type": "charge.updated", "data": {"object": {"amount": %s}}}'

    response = deliver(client, body % number)

    assert response.status_code == 400
    assert PaymentEvent.objects.count() == 0
