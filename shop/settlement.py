"""Settlement: bringing a purchase (an order or a pre-order) in line with what Stripe says of its
Checkout Session.

Every way of learning a payment's outcome goes through `settle`: the signed webhook
(`record_webhook`), the page Stripe sends the buyer back to, a buyer's "back" from Stripe
(shop/checkout.py) and the sweep for webhooks that never came (`settle_stale_checkouts`).

Invariants:
- safe to call any number of times, with outcomes in any order: a move the purchase may not
  make (a late "expired" after payment, "processing" after "paid") changes nothing;
- Stripe is asked before any row is locked, never inside a transaction;
- a payment that arrives for a purchase that has already ended unpaid (cancelled, expired) is
  refunded, not kept: the buyer was told it was over and its stock may be sold again.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shop import payments
from shop.models import Order, PaymentEvent, PreOrder
from shop.models.orders import without_buyer
from shop.models.purchase import Purchase
from shop.payments import Outcome

logger = logging.getLogger(__name__)

# The purchase each kind of Checkout Session pays for (the kind is in the session's metadata).
PURCHASES: dict[str, type[Purchase]] = {"order": Order, "preorder": PreOrder}


def settle(session: payments.CheckoutSession) -> Purchase | None:
    """Apply the session's outcome to its purchase; returns the purchase, or None if there is
    none (a session this shop did not open)."""
    payment = session.payment
    if session.outcome == Outcome.CARD_SAVED and session.setup_intent:
        saved_card = payments.saved_payment_method(session.setup_intent)
        payment = dataclasses.replace(payment, payment_method=saved_card)
    elif session.outcome == Outcome.PAID and session.saves_card and payment.intent:
        saved_card = payments.card_saved_with_payment(payment.intent)
        payment = dataclasses.replace(payment, payment_method=saved_card)
    with transaction.atomic():
        purchase = _locked_purchase_for(session)
        if purchase is None:
            logger.warning("No %s for Checkout Session %s", session.kind, session.id)
            return None
        status = purchase.status_after(session.outcome)
        if status is not None:
            purchase.transition_to(status, payment=payment)
        unwanted = session.outcome == Outcome.PAID and purchase.status in purchase.ENDED_UNPAID
    if unwanted:
        _refund_unwanted_payment(purchase, payment)
    return purchase


def purchase_with_session(session_id: str) -> Purchase | None:
    """The order or pre-order whose Checkout Session this is (for the page Stripe returns to)."""
    for model in PURCHASES.values():
        purchase = model.objects.filter(stripe_session_id=session_id).first()
        if purchase is not None:
            return purchase
    return None


def _locked_purchase_for(session: payments.CheckoutSession) -> Purchase | None:
    """The purchase, locked. Found by session id, or by the reference we gave Stripe when the
    event beats the request that stored the session id (the session id is then stored)."""
    model = PURCHASES.get(session.kind)
    if model is None:
        return None
    locked = model.objects.select_for_update()
    purchase = locked.filter(stripe_session_id=session.id).first()
    if purchase is None and session.reference:
        purchase = locked.filter(
            reference=session.reference, stripe_session_id__isnull=True
        ).first()
        if purchase is not None:
            purchase.stripe_session_id = session.id
            purchase.save(update_fields=["stripe_session_id", "updated_at"])
    return purchase


def _refund_unwanted_payment(purchase: Purchase, payment: payments.Payment) -> None:
    """Give back a payment made on a page that should have been closed (its closing failed,
    or a worker died before the session was recorded). One refund per payment, ever."""
    if not payment.intent:
        return
    try:
        payments.refund_payment(payment.intent, idempotency_key=f"unwanted-{payment.intent}")
    except payments.PaymentError:
        logger.error(
            "A payment (%s) arrived for %s, which had ended unpaid, and could not be refunded; "
            "refund it by hand in Stripe.",
            payment.intent,
            purchase.reference,
        )
        return
    logger.warning(
        "Refunded payment %s for %s, which had ended unpaid", payment.intent, purchase.reference
    )


def record_webhook(event: payments.WebhookEvent) -> str:
    """Record a verified Stripe event once and settle its session; a repeated event changes
    nothing. Returns a short note of what happened, kept with the event.

    The event is recorded first, on its own, and marked done (its outcome written) only once
    it has been acted on: settling may ask Stripe (for a saved card) or refund, which must not
    happen inside a transaction. A delivery that failed half-way is acted on again when Stripe
    retries it, which `settle` allows."""
    record, _ = PaymentEvent.objects.get_or_create(
        stripe_event_id=event.id, defaults={"type": event.type, "payload": event.payload}
    )
    if record.outcome:
        return "duplicate delivery, ignored"
    if event.session is None:
        outcome = "not a checkout event, ignored"
    else:
        purchase = settle(event.session)
        if purchase is None:
            outcome = f"no such {event.session.kind}"
        else:
            outcome = f"{purchase._meta.verbose_name} {purchase.reference} is {purchase.status}"
        if isinstance(purchase, Order):
            record.order = purchase
        if purchase is not None and purchase.anonymised_at:
            # Its buyer asked to be erased: keep the event (and its id), not their details.
            record.payload = without_buyer(record.payload)
    record.outcome = outcome
    record.save(update_fields=["order", "outcome", "payload"])
    return outcome


# Purchases whose buyer is (or should be) on a Stripe page, by kind.
AWAITING_STRIPE = {
    Order: [Order.Status.PENDING, Order.Status.PROCESSING],
    PreOrder: [
        PreOrder.Status.AWAITING_PAYMENT,
        PreOrder.Status.AWAITING_CARD,
        PreOrder.Status.PAYMENT_NEEDED,
    ],
}


def settle_stale_checkouts(older_than_minutes: int) -> int:
    """Ask Stripe about purchases still waiting long after their session should have closed,
    and settle what it says: the safety net for webhooks that never arrived, without which
    their stock or pre-order units would stay taken. Returns how many were checked."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    checked = 0
    for model, statuses in AWAITING_STRIPE.items():
        stale = model.objects.filter(
            status__in=statuses, updated_at__lt=cutoff, stripe_session_id__isnull=False
        )
        for session_id in stale.values_list("stripe_session_id", flat=True):
            try:
                settle(payments.retrieve_checkout_session(session_id))
            except payments.PaymentError:
                logger.warning("Could not check Checkout Session %s; will retry", session_id)
                continue
            checked += 1
    checked += _end_checkouts_that_never_reached_stripe()
    return checked


def _end_checkouts_that_never_reached_stripe() -> int:
    """An order left awaiting payment with no session (its worker died while Stripe hung) is
    ended once any session Stripe might have opened for it has expired, so its stock comes
    back. A payment that did go through on such a session is refunded by `settle`."""
    closed_by = timezone.now() - timedelta(minutes=settings.QUIRE_CHECKOUT_MINUTES + 5)
    ended = 0
    stranded = Order.objects.filter(
        status=Order.Status.PENDING, stripe_session_id__isnull=True, created_at__lt=closed_by
    )
    for pk in stranded.values_list("pk", flat=True):
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=pk)
            if order.stripe_session_id is None and order.can_become(Order.Status.EXPIRED):
                order.transition_to(Order.Status.EXPIRED)
                ended += 1
    return ended
