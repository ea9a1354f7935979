"""The emails about an order's payment (shop/emails.py): a delayed payment (a bank debit) is
announced while it clears, its receipt says it cleared, and an order that ends unpaid is
explained to a buyer who believed they had ordered, never to one who left Stripe's page. Each
goes once, on the real transition (signed webhooks, staff actions, the buyer's own cancel),
and the sweep sends what SMTP missed. Emails go to a real SMTP server on loopback."""

import pytest
from django.test import TestCase
from django.urls import reverse

from shop import emails, orders
from shop.models import Order
from tests.factories import ProductFactory, make_order
from tests.shop.stripe_events import checkout_session, event
from tests.shop.stripe_events import deliver as deliver_webhook
from tests.shop.test_checkout import add, session_id_from, start_checkout
from tests.shop.test_emails import plain, subjects, sweep

pytestmark = pytest.mark.django_db


def deliver(client, event_type, order, payment_status="paid"):
    """Stripe's signed webhook for the order's session, as Stripe sends it; the emails the
    view defers to after its commit go out."""
    session = checkout_session(
        order.stripe_session_id, payment_status=payment_status, reference=order.reference
    )
    response = deliver_webhook(client, event(event_type, session))
    assert response.status_code == 200
    order.refresh_from_db()


def bank_debit_completed(client, order):
    deliver(client, "checkout.session.completed", order, payment_status="unpaid")


def bank_debit_cleared(client, order):
    deliver(client, "checkout.session.async_payment_succeeded", order)


def bank_debit_failed(client, order):
    deliver(client, "checkout.session.async_payment_failed", order, payment_status="unpaid")


@pytest.fixture
def order(home):
    return make_order([(ProductFactory(title="Tote bag", price=1200, stock=3), 1)])


def processing(order):
    return f"We have your order {order.reference}: payment being confirmed"


def cleared(order):
    return f"Your payment has cleared: order {order.reference} is confirmed"


def confirmed(order):
    return f"Your order {order.reference} is confirmed"


def cancelled(order):
    return f"Your order {order.reference} is cancelled"


def staff_notice(order):
    return f"New order {order.reference}: £14.95"


def message(inbox, subject):
    (found,) = [m for m in inbox.messages if m["Subject"] == subject]
    return " ".join(plain(found).split())


# Payment processing ----------------------------------------------------------------------


def test_a_delayed_payment_tells_the_buyer_once_that_the_bank_is_confirming_it(
    client, order, smtp_inbox
):
    bank_debit_completed(client, order)
    bank_debit_completed(client, order)  # a second event for the same session
    sweep()

    assert order.status == Order.Status.PROCESSING
    assert subjects(smtp_inbox) == [processing(order)]
    text = message(smtp_inbox, processing(order))
    assert "is being confirmed by your bank" in text
    assert "There is nothing you need to do." in text
    assert "we email you your receipt" in text
    assert order.processing_email_sent_at is not None


def test_a_payment_that_is_paid_at_once_gets_no_processing_email(client, order, smtp_inbox):
    deliver(client, "checkout.session.completed", order)

    assert sorted(subjects(smtp_inbox)) == sorted([confirmed(order), staff_notice(order)])
    assert "has cleared" not in message(smtp_inbox, confirmed(order))


# Paid after a delay: one receipt, saying it cleared ---------------------------------------


def test_a_delayed_payment_that_clears_sends_one_receipt_saying_so(client, order, smtp_inbox):
    bank_debit_completed(client, order)

    bank_debit_cleared(client, order)
    bank_debit_cleared(client, order)
    emails.send("order_confirmed", order.pk)  # the other receipt is not due for this order
    sweep()

    assert order.status == Order.Status.PAID
    assert subjects(smtp_inbox) == [processing(order), cleared(order), staff_notice(order)]
    text = message(smtp_inbox, cleared(order))
    assert "Your bank has confirmed your payment of £14.95: it has cleared" in text
    assert "1 × Tote bag" in text and "Total paid: £14.95" in text


def test_a_processing_email_smtp_missed_until_the_payment_cleared_is_never_sent(
    client, order, smtp
):
    smtp.down()
    bank_debit_completed(client, order)
    bank_debit_cleared(client, order)
    smtp.up()

    sweep()
    sweep()

    assert sorted(subjects(smtp.inbox)) == sorted([cleared(order), staff_notice(order)])


def test_the_sweep_sends_the_processing_email_and_receipt_smtp_missed(client, order, smtp):
    smtp.down()
    bank_debit_completed(client, order)
    smtp.up()
    sweep()
    sweep()
    assert subjects(smtp.inbox) == [processing(order)]

    smtp.down()
    bank_debit_cleared(client, order)
    smtp.up()
    sweep()
    sweep()

    assert sorted(subjects(smtp.inbox)) == sorted(
        [processing(order), cleared(order), staff_notice(order)]
    )


# Cancelled: told to a buyer who believed they had ordered ---------------------------------


def test_a_failed_delayed_payment_tells_the_buyer_the_order_is_cancelled(client, order, smtp_inbox):
    bank_debit_completed(client, order)

    bank_debit_failed(client, order)
    bank_debit_failed(client, order)
    sweep()

    assert order.status == Order.Status.PAYMENT_FAILED
    assert subjects(smtp_inbox) == [processing(order), cancelled(order)]
    text = message(smtp_inbox, cancelled(order))
    assert "Your bank did not confirm your payment of £14.95" in text
    assert "No money was taken for it." in text
    assert "a card payment is confirmed at once" in text
    assert "Visit the shop: http://testserver/shop/" in text


def test_the_sweep_sends_the_cancellation_smtp_missed(client, order, smtp):
    bank_debit_completed(client, order)
    smtp.down()
    bank_debit_failed(client, order)
    smtp.up()

    sweep()
    sweep()

    assert subjects(smtp.inbox) == [processing(order), cancelled(order)]


def test_staff_cancelling_an_order_awaiting_payment_emails_the_buyer_once(
    client, home, fake_stripe, smtp, commit
):
    add(client, ProductFactory(title="Tote bag", price=1200, stock=3))
    start_checkout(client)
    order = Order.objects.get()
    smtp.down()

    commit(orders.change_status, order.pk, Order.Status.CANCELLED)
    smtp.up()
    sweep()
    sweep()

    order.refresh_from_db()
    assert (order.status, order.cancelled_by_staff) == (Order.Status.CANCELLED, True)
    assert subjects(smtp.inbox) == [cancelled(order)]
    text = message(smtp.inbox, cancelled(order))
    assert f"We have cancelled your order {order.reference} before it was paid." in text
    assert "No money was taken for it." in text and "a card payment" not in text


def test_a_buyer_who_cancels_on_stripes_page_is_not_emailed(client, home, fake_stripe, smtp_inbox):
    add(client, ProductFactory(stock=3))
    start_checkout(client)
    order = Order.objects.get()

    with TestCase.captureOnCommitCallbacks(execute=True):
        client.get(reverse("shop:checkout_cancel", args=[order.reference, order.access_token]))
    sweep()

    order.refresh_from_db()
    assert (order.status, order.cancelled_by_staff) == (Order.Status.CANCELLED, False)
    assert smtp_inbox.messages == []


def test_a_buyer_who_starts_checkout_again_is_not_emailed_about_the_first(
    client, home, fake_stripe, smtp_inbox
):
    add(client, ProductFactory(stock=3))
    start_checkout(client)
    with TestCase.captureOnCommitCallbacks(execute=True):
        session_id_from(start_checkout(client)["Location"])
    sweep()

    assert sorted(Order.objects.values_list("status", flat=True)) == ["cancelled", "pending"]
    assert smtp_inbox.messages == []


def test_an_order_whose_payment_page_expired_is_not_emailed(client, order, smtp_inbox):
    deliver(client, "checkout.session.expired", order, payment_status="unpaid")
    sweep()

    assert order.status == Order.Status.EXPIRED
    assert smtp_inbox.messages == []
