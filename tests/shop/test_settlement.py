"""Settlement: one path from what Stripe says to an order's or a pre-order's status, and the
one state machine both move through."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import TestCase
from django.utils import timezone

from shop import payments, settlement
from shop.models import Order, Product
from shop.models.purchase import InvalidTransition
from tests.factories import ProductFactory, make_order
from tests.shop.stripe_events import checkout_session, event, signed
from tests.shop.test_checkout import add, session_id_from, start_checkout

pytestmark = pytest.mark.django_db

SHOP = Path(__file__).resolve().parents[2] / "shop"


def read(payload: dict) -> payments.CheckoutSession:
    body, signature = signed(payload)
    return payments.parse_webhook(body.encode(), signature).session


@pytest.mark.parametrize(
    "event_type, session_fields, outcome",
    [
        ("checkout.session.completed", {"payment_status": "paid"}, payments.Outcome.PAID),
        ("checkout.session.completed", {"payment_status": "unpaid"}, "processing"),
        ("checkout.session.async_payment_succeeded", {"payment_status": "paid"}, "paid"),
        ("checkout.session.async_payment_failed", {"payment_status": "unpaid"}, "failed"),
        ("checkout.session.expired", {"status": "expired", "payment_status": "unpaid"}, "expired"),
    ],
)
def test_each_checkout_event_reads_as_one_outcome_in_the_shops_words(
    settings, event_type, session_fields, outcome
):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    session = read(event(event_type, checkout_session("cs_test_1", **session_fields)))

    assert session.outcome == outcome
    assert not hasattr(session, "payment_status") and not hasattr(session, "status")


def test_a_saved_card_session_reads_as_card_saved(settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    data = checkout_session("cs_test_1", payment_status="no_payment_required")
    data["mode"] = "setup"

    assert read(event("checkout.session.completed", data)).outcome == "card_saved"


def test_no_code_assigns_a_status_except_the_state_machine():
    """Every status change carries its side effects only if it goes through transition_to."""
    offenders = []
    for path in SHOP.rglob("*.py"):
        if "migrations" in path.parts or path.name == "purchase.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "status":
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_an_order_refuses_a_move_its_transitions_do_not_allow():
    order = make_order([(ProductFactory(stock=3), 1)], session_id="cs_test_A")
    order.transition_to(Order.Status.EXPIRED)

    with pytest.raises(InvalidTransition):
        order.transition_to(Order.Status.PAID)


def test_ending_an_order_twice_gives_its_stock_back_once():
    product = ProductFactory(stock=3)
    order = make_order([(product, 2)], session_id="cs_test_A")
    order.transition_to(Order.Status.CANCELLED)
    order.give_back_stock()

    assert Product.objects.get(pk=product.pk).stock == 5


def test_a_payment_for_an_order_that_had_ended_is_refunded(client, home, fake_stripe):
    """Closing a page at Stripe can fail; if the buyer then pays on it, the shop gives the
    money back rather than keeping it for an order that no longer holds stock."""
    product = ProductFactory(stock=1)
    add(client, product, 1)
    session_id = session_id_from(start_checkout(client)["Location"])
    order = Order.objects.get()
    order.transition_to(Order.Status.CANCELLED)  # as if Stripe could not be told in time
    fake_stripe.pay(session_id)

    settled = settlement.settle(payments.retrieve_checkout_session(session_id))

    assert settled.status == Order.Status.CANCELLED
    intent = payments.retrieve_checkout_session(session_id).payment.intent
    refunds = payments._client().v1.refunds.list(params={"payment_intent": intent}).data
    assert [(r.amount, r.payment_intent) for r in refunds] == [(order.total, intent)]
    settlement.settle(payments.retrieve_checkout_session(session_id))  # seen again: no new refund
    refunds = payments._client().v1.refunds.list(params={"payment_intent": intent}).data
    assert len(refunds) == 1


def test_an_order_whose_worker_died_before_stripe_answered_gives_its_stock_back(settings):
    """A checkout killed mid-call leaves an order awaiting payment with no session. Once any
    session Stripe might have opened has expired, the sweep ends it and returns its stock."""
    product = ProductFactory(stock=3)
    order = make_order([(product, 2)], session_id=None)
    Order.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - timedelta(minutes=settings.QUIRE_CHECKOUT_MINUTES + 6)
    )
    recent = make_order([(product, 1)], session_id=None)

    with TestCase.captureOnCommitCallbacks(execute=True):
        settlement.settle_stale_checkouts(older_than_minutes=60)

    order.refresh_from_db()
    recent.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert recent.status == Order.Status.PENDING  # its session may still be open
    assert Product.objects.get(pk=product.pk).stock == 5
