"""The Stripe webhook: signed events move orders, once, in any order of delivery."""

import time

import pytest
from django.core import mail
from django.urls import reverse

from shop.models import BasketLine, Order, PaymentEvent, Product
from tests.conftest import addressee
from tests.factories import ProductFactory, make_order
from tests.shop.stripe_events import WEBHOOK_URL, checkout_session, deliver, event, signed

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    """A pending order for 2 of a product with 3 left after checkout took its 2."""
    product = ProductFactory(title="Tote", price=600, stock=3)
    return make_order([(product, 2)], session_id="cs_test_A")


def completed(order, payment_status="paid", **kwargs):
    session = checkout_session(
        order.stripe_session_id, payment_status=payment_status, reference=order.reference
    )
    return event("checkout.session.completed", session, **kwargs)


def stock_of(order):
    return Product.objects.get(pk=order.lines.get().product_id).stock


def test_paid_session_marks_the_order_paid_and_emails_once(client, order):
    response = deliver(client, completed(order))

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.paid_at is not None
    assert order.stripe_payment_intent_id == "pi_test_123"
    assert order.shipping_name == "Ruth Buyer"
    assert order.shipping_address["postal_code"] == "M5 4WT"
    assert [addressee(m) for m in mail.outbox] == ["buyer@example.com", "shop@quire.localhost"]
    assert order.reference in mail.outbox[0].body
    assert mail.outbox[0].alternatives[0][1] == "text/html"
    assert stock_of(order) == 3  # sold units stay sold


def test_a_duplicate_delivery_changes_nothing(client, order):
    payload = completed(order)
    deliver(client, payload)

    again = deliver(client, payload)

    assert again.status_code == 200
    assert b"duplicate" in again.content
    assert PaymentEvent.objects.count() == 1
    assert len(mail.outbox) == 2


def test_unpaid_then_succeeded(client, order):
    deliver(client, completed(order, payment_status="unpaid"))
    order.refresh_from_db()
    assert order.status == Order.Status.PROCESSING
    assert [m.subject for m in mail.outbox] == [
        f"We have your order {order.reference}: payment being confirmed"
    ]

    session = checkout_session(order.stripe_session_id, reference=order.reference)
    deliver(client, event("checkout.session.async_payment_succeeded", session))

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert [m.subject for m in mail.outbox[1:]] == [
        f"Your payment has cleared: order {order.reference} is confirmed",
        f"New order {order.reference}: £14.95",
    ]


def test_succeeded_before_completed_keeps_the_order_paid(client, order):
    session = checkout_session(order.stripe_session_id, reference=order.reference)
    deliver(client, event("checkout.session.async_payment_succeeded", session))
    deliver(client, completed(order, payment_status="unpaid"))

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert len(mail.outbox) == 2


def test_async_failure_ends_the_order_and_returns_its_stock_once(client, order):
    deliver(client, completed(order, payment_status="unpaid"))
    session = checkout_session(
        order.stripe_session_id, payment_status="unpaid", reference=order.reference
    )
    deliver(client, event("checkout.session.async_payment_failed", session))
    deliver(client, event("checkout.session.async_payment_failed", session))  # a new event id

    order.refresh_from_db()
    assert order.status == Order.Status.PAYMENT_FAILED
    assert stock_of(order) == 5
    assert [m.subject for m in mail.outbox] == [  # told it was processing, then that it ended
        f"We have your order {order.reference}: payment being confirmed",
        f"Your order {order.reference} is cancelled",
    ]


def test_expired_session_returns_the_stock(client, order):
    session = checkout_session(
        order.stripe_session_id,
        status="expired",
        payment_status="unpaid",
        reference=order.reference,
    )

    deliver(client, event("checkout.session.expired", session))

    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert stock_of(order) == 5


def test_expired_after_paid_changes_nothing(client, order):
    deliver(client, completed(order))
    session = checkout_session(
        order.stripe_session_id,
        status="expired",
        payment_status="unpaid",
        reference=order.reference,
    )

    deliver(client, event("checkout.session.expired", session))

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert stock_of(order) == 3


def test_payment_empties_the_buyers_basket(client, order):
    product = order.lines.get().product
    client.post(
        reverse("shop:basket_add"), {"product": product.pk, "quantity": "1", "price": product.price}
    )
    Order.objects.filter(pk=order.pk).update(basket_id=client.session["shop_basket_id"])

    deliver(client, completed(order))

    assert BasketLine.objects.count() == 0


def test_bad_signature_is_rejected_and_changes_nothing(client, order):
    response = deliver(client, completed(order), secret="whsec_someone_else")

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert PaymentEvent.objects.count() == 0


def test_missing_signature_is_rejected(client, order):
    response = client.post(WEBHOOK_URL, "{}", content_type="application/json")

    assert response.status_code == 400
    assert b"Missing Stripe-Signature" in response.content


def test_stale_timestamp_is_rejected(client, order):
    an_hour_ago = int(time.time()) - 3600

    response = deliver(client, completed(order), timestamp=an_hour_ago)

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


def test_tampered_body_is_rejected(client, order):
    body, signature = signed(completed(order))
    tampered = body.replace('"paid"', '"unpaid"', 1)

    response = client.post(
        WEBHOOK_URL, tampered, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )

    assert response.status_code == 400


def test_other_events_are_recorded_and_ignored(client, order):
    payload = event("customer.created", {"id": "cus_1", "object": "customer"})

    response = deliver(client, payload)

    assert response.status_code == 200
    assert PaymentEvent.objects.get().outcome == "not a checkout event, ignored"


def test_event_for_an_unknown_session_is_recorded(client, order):
    session = checkout_session("cs_test_unknown")

    response = deliver(client, event("checkout.session.completed", session))

    assert response.status_code == 200
    assert PaymentEvent.objects.get().outcome == "no such order"


def test_webhook_only_accepts_post(client):
    assert client.get(WEBHOOK_URL).status_code == 405


def test_smtp_failure_keeps_the_order_paid_and_the_email_is_retried(client, order, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    response = deliver(client, completed(order))

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.confirmation_sent_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core.management import call_command

    call_command("send_order_emails", verbosity=0)
    call_command("send_order_emails", verbosity=0)

    order.refresh_from_db()
    assert order.confirmation_sent_at is not None
    assert [addressee(m) for m in mail.outbox] == ["buyer@example.com", "shop@quire.localhost"]


def test_an_event_arriving_before_the_session_id_was_stored_finds_its_order(client, order):
    Order.objects.filter(pk=order.pk).update(stripe_session_id=None)
    session = checkout_session("cs_test_early", reference=order.reference)

    deliver(client, event("checkout.session.completed", session))

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.stripe_session_id == "cs_test_early"


def test_payment_leaves_items_added_after_checkout_in_the_basket(client, order):
    bought = order.lines.get().product
    later = ProductFactory(title="Added later")
    for product, quantity in [(bought, 3), (later, 1)]:
        client.post(
            reverse("shop:basket_add"),
            {"product": product.pk, "quantity": str(quantity), "price": product.price},
        )
    Order.objects.filter(pk=order.pk).update(basket_id=client.session["shop_basket_id"])

    deliver(client, completed(order))

    remaining = dict(BasketLine.objects.values_list("product__title", "quantity"))
    assert remaining == {"Tote": 1, "Added later": 1}
