"""One basket for both: an item in stock and a pre-order bought in one Stripe Checkout, each
pre-order then paid as its campaign says. Against the local Stripe server, with emails to a
real SMTP server."""

import pytest
from django.test import TestCase

from shop import payments, preorders
from shop.models import Order, PreOrder, Product
from tests.factories import PreOrderProductFactory, ProductFactory
from tests.shop.test_checkout import add, get_path_of, messages_on, session_id_from
from tests.shop.test_checkout import start_checkout as checkout

pytestmark = pytest.mark.django_db

UK_SMALL_PARCEL = 295  # the demo rates: one flat charge per parcel to the UK


@pytest.fixture
def tote(home):
    return ProductFactory(title="Tote bag", price=1200, stock=5)


def book_on(mode: str, **fields) -> Product:
    return PreOrderProductFactory(
        title="Dirty Old Town", price=1699, preorder_cap=10, preorder_charge_mode=mode, **fields
    )


def stripe_session(session_id: str):
    return payments._client().v1.checkout.sessions.retrieve(session_id)


def pay(client, fake_stripe, session_id: str, **card):
    with TestCase.captureOnCommitCallbacks(execute=True):
        get_path_of(client, fake_stripe.pay(session_id, **card))


def buy_tote_and_pre_order(client, fake_stripe, tote, book, units: int) -> Order:
    """The buyer's whole checkout: one tote and `units` of the book, paid on Stripe's page."""
    add(client, tote, 1)
    add(client, book, units)
    pay(client, fake_stripe, session_id_from(checkout(client)["Location"]))
    return Order.objects.get()


def test_an_item_in_stock_and_a_pre_order_charged_now_are_paid_in_one_checkout(
    client, tote, fake_stripe, smtp_inbox
):
    book = book_on("charge_now")
    add(client, tote, 1)
    add(client, book, 2)

    session_id = session_id_from(checkout(client)["Location"])

    session = stripe_session(session_id)
    # The tote and its parcel, and two books with the parcel they are sent in on release.
    assert session.amount_total == 1200 + UK_SMALL_PARCEL + 2 * 1699 + UK_SMALL_PARCEL
    assert Product.objects.get(pk=tote.pk).stock == 4
    assert Product.objects.get(pk=book.pk).preorder_reserved == 2

    pay(client, fake_stripe, session_id)

    order = Order.objects.get()
    preorder = order.preorders.get()
    assert order.status == Order.Status.PAID
    assert (preorder.status, preorder.quantity) == (PreOrder.Status.PAID, 2)
    assert preorder.stripe_payment_intent_id == order.stripe_payment_intent_id
    assert preorder.name and preorder.postcode  # the address the buyer gave Stripe
    assert client.get("/shop/basket/count/").json()["count"] == 0
    assert smtp_inbox.recipients() == ["buyer@example.com", "shop@quire.localhost"]
    confirmation = smtp_inbox.messages[0].get_body(("plain",)).get_content()
    assert "Tote bag" in confirmation and "Dirty Old Town" in confirmation


def test_a_card_saved_with_the_payment_is_charged_for_the_pre_order_on_release(
    client, tote, fake_stripe, smtp_inbox
):
    book = book_on("on_release")
    add(client, tote, 1)
    add(client, book, 1)

    session_id = session_id_from(checkout(client)["Location"])
    assert stripe_session(session_id).amount_total == 1200 + UK_SMALL_PARCEL  # the tote only
    pay(client, fake_stripe, session_id)

    preorder = PreOrder.objects.get()
    assert preorder.status == PreOrder.Status.CARD_SAVED
    assert preorder.stripe_customer_id.startswith("cus_")
    assert preorder.stripe_payment_method_id.startswith("pm_")

    with TestCase.captureOnCommitCallbacks(execute=True):
        preorders.release(book)

    preorder.refresh_from_db()
    assert preorder.status == PreOrder.Status.PAID
    charge = payments._client().v1.payment_intents.retrieve(preorder.stripe_payment_intent_id)
    assert (charge.amount, charge.status) == (1699 + UK_SMALL_PARCEL, "succeeded")


def test_a_reserved_pre_order_bought_with_the_order_is_asked_to_pay_on_release(
    client, tote, fake_stripe, smtp_inbox
):
    book = book_on("reserve")
    add(client, tote, 1)
    add(client, book, 1)

    session_id = session_id_from(checkout(client)["Location"])
    assert stripe_session(session_id).amount_total == 1200 + UK_SMALL_PARCEL
    pay(client, fake_stripe, session_id)
    preorder = PreOrder.objects.get()
    assert preorder.status == PreOrder.Status.RESERVED

    with TestCase.captureOnCommitCallbacks(execute=True):
        preorders.release(book)

    preorder.refresh_from_db()
    assert preorder.status == PreOrder.Status.PAYMENT_NEEDED
    assert any("please pay" in message["Subject"] for message in smtp_inbox.messages)


def test_going_back_from_stripe_gives_the_stock_and_the_pre_order_units_back(
    client, tote, fake_stripe
):
    book = book_on("charge_now")
    add(client, tote, 1)
    add(client, book, 3)
    checkout(client)
    order = Order.objects.get()

    client.get(f"/shop/checkout/cancel/{order.reference}/{order.access_token}/")

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.preorders.get().status == PreOrder.Status.EXPIRED
    assert Product.objects.get(pk=tote.pk).stock == 5
    assert Product.objects.get(pk=book.pk).preorder_reserved == 0


def test_a_basket_with_nothing_to_pay_today_is_sent_to_the_pre_order_form(
    client, home, fake_stripe
):
    add(client, book_on("reserve"), 1)

    response = client.post("/shop/checkout/", {"email": "buyer@example.com"}, follow=True)

    assert "please place these pre-orders on the Pre-Order Form" in messages_on(response)[0]
    assert Order.objects.count() == PreOrder.objects.count() == 0
    assert Product.objects.get().preorder_reserved == 0


def test_the_buyers_limit_counts_pre_orders_made_on_the_form(client, tote, fake_stripe):
    book = book_on("charge_now", preorder_per_buyer_limit=3)
    PreOrder.objects.create(
        form_token="earlier",
        product=book,
        quantity=2,
        unit_price=1699,
        shipping=UK_SMALL_PARCEL,
        charge_mode="charge_now",
        status=PreOrder.Status.PAID,
        email="buyer@example.com",
    )
    Product.objects.filter(pk=book.pk).update(preorder_reserved=2)
    add(client, tote, 1)
    add(client, book, 2)

    response = client.post("/shop/checkout/", {"email": "Buyer@Example.com"}, follow=True)

    assert "You already have 2 reserved." in messages_on(response)[0]
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=tote.pk).stock == 5


def test_a_campaign_that_filled_up_since_it_was_added_takes_nothing(client, tote, fake_stripe):
    book = book_on("charge_now")
    add(client, tote, 1)
    add(client, book, 2)
    Product.objects.filter(pk=book.pk).update(preorder_reserved=9)  # others took 9 of 10

    basket = client.get("/shop/basket/").content.decode()
    response = client.post("/shop/checkout/", {"email": "buyer@example.com"}, follow=True)

    assert "Only 1 can be pre-ordered now: please lower the quantity." in basket
    assert "need your attention" in messages_on(response)[0]
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=tote.pk).stock == 5


def test_stripe_unreachable_at_checkout_takes_neither_stock_nor_units(
    client, tote, fake_stripe, settings
):
    book = book_on("charge_now")
    add(client, tote, 1)
    add(client, book, 2)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there

    response = client.post("/shop/checkout/", {"email": "buyer@example.com"}, follow=True)

    assert "We could not reach the payment service" in messages_on(response)[0]
    assert Order.objects.count() == PreOrder.objects.count() == 0
    assert Product.objects.get(pk=tote.pk).stock == 5
    assert Product.objects.get(pk=book.pk).preorder_reserved == 0


def test_cancelling_a_pre_order_bought_with_a_tote_refunds_only_the_pre_order(
    client, tote, fake_stripe, smtp_inbox
):
    book = book_on("charge_now")
    preorder = buy_tote_and_pre_order(client, fake_stripe, tote, book, 2).preorders.get()

    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(preorder.get_absolute_url() + "cancel/")

    preorder.refresh_from_db()
    order = preorder.order
    order.refresh_from_db()
    refunds = (
        payments._client()
        .v1.refunds.list(params={"payment_intent": order.stripe_payment_intent_id})
        .data
    )
    assert [refund.amount for refund in refunds] == [2 * 1699 + UK_SMALL_PARCEL]
    assert (preorder.status, order.status) == (PreOrder.Status.REFUNDED, Order.Status.PAID)
    assert Product.objects.get(pk=book.pk).preorder_reserved == 0
    assert Product.objects.get(pk=tote.pk).stock == 4  # the tote is still bought


def test_refunding_the_whole_order_refunds_the_pre_order_it_paid_for(
    client, tote, fake_stripe, smtp_inbox
):
    from shop import orders

    book = book_on("charge_now")
    order = buy_tote_and_pre_order(client, fake_stripe, tote, book, 1)

    with TestCase.captureOnCommitCallbacks(execute=True):
        orders.refund(order.pk, key="refund-all", reason="Changed their mind", amount=order.total)

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert order.preorders.get().status == PreOrder.Status.REFUNDED
    assert Product.objects.get(pk=book.pk).preorder_reserved == 0
