"""Checkout: from a basket to a paid order.

Invariants:
- stock is taken when checkout starts, under row locks on the products in one transaction, so
  two buyers can never both take the last unit; it is given back exactly once if the order
  ends unpaid (cancelled, expired or failed);
- an order is priced from the database only; the Checkout Session is built from the order;
- if Stripe cannot open the session, nothing is left behind: no order, no stock taken;
- every way of learning a payment's outcome (webhook, success page, retry) goes through
  `apply_checkout_session`, which is safe to call any number of times in any order;
- confirmation emails are queued once the order is recorded as paid, and go out once
  (shop/tasks.py, shop/emails.py).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from shop import basket as baskets
from shop import payments, preorders, shipping, tasks
from shop.models import BasketLine, Order, OrderLine, PaymentEvent, PreOrder, Product

logger = logging.getLogger(__name__)


class CheckoutError(Exception):
    """Checkout could not start; `message` tells the buyer why. Their basket is unchanged."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def start_checkout(request: HttpRequest, email: str) -> str:
    """Create the order, take its stock and open a Stripe Checkout Session; returns the URL
    to send the buyer to."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise CheckoutError("Please enter a valid email address for your receipt.") from exc
    if not payments.is_configured():
        raise CheckoutError(
            "Payments are not set up on this site yet, so orders cannot be taken. "
            "Your basket is kept; please come back soon."
        )
    basket = baskets.current_basket(request)
    if basket is not None:
        _close_open_checkouts(basket)
    summary = baskets.summarise(request)
    if not summary.lines:
        raise CheckoutError("Your basket is empty.")
    if summary.has_problems:
        raise CheckoutError("Some items in your basket need your attention before checkout.")

    order = create_order_taking_stock(summary, email)
    success_url = request.build_absolute_uri(reverse("shop:checkout_success"))
    cancel_url = request.build_absolute_uri(
        reverse("shop:checkout_cancel", args=[order.reference, order.access_token])
    )
    region = shipping.regions()[order.shipping_region]
    request_to_pay = payments.PaymentRequest(
        kind="order",
        reference=order.reference,
        email=order.email,
        currency=order.currency,
        lines=[
            payments.LineItem(line.title, line.unit_price, line.quantity)
            for line in order.lines.all()
        ],
        success_url=success_url + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=cancel_url,
        shipping_amount=order.shipping,
        shipping_label=f"Delivery: {region['label']}",
        collect_address_in=region["countries"],
    )
    try:
        session = payments.create_checkout_session(request_to_pay)
    except payments.PaymentError as error:
        _discard_unstarted_order(order)
        raise CheckoutError(error.message) from error
    Order.objects.filter(pk=order.pk).update(stripe_session_id=session.id)
    return session.url


def _close_open_checkouts(basket) -> None:
    """A basket has at most one open checkout. A buyer who went to pay, came back (Back, or a
    second tab) and pays again gets a new one: the old session is closed at Stripe so it can no
    longer be paid, and its stock is given back before the new order takes it. If the old one
    was paid meanwhile, that is recorded and the buyer is told, not charged again."""
    for order in Order.objects.filter(basket=basket, status=Order.Status.PENDING):
        cancel_checkout(order)
        order.refresh_from_db()
        if order.status == Order.Status.PENDING:
            raise CheckoutError(
                "We could not reach the payment service to close your earlier payment page. "
                "Nothing more was charged; please try again in a moment."
            )
        if order.status != Order.Status.CANCELLED:
            raise CheckoutError(
                f"Your payment for order {order.reference} has just gone through, so nothing "
                "more was charged. Your basket now holds only what that order did not."
            )


def create_order_taking_stock(summary: baskets.BasketSummary, email: str) -> Order:
    """Create the order and take its units from stock, all or nothing: the products are
    locked in id order (so concurrent checkouts cannot deadlock) before stock is read."""
    wanted = {view.product.pk: view.line.quantity for view in summary.lines}
    with transaction.atomic():
        products = {
            product.pk: product
            for product in Product.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
        }
        for product_id, quantity in wanted.items():
            product = products.get(product_id)
            if product is None or product.status != Product.Status.ON_SALE:
                title = product.title if product else "An item"
                raise CheckoutError(f"Sorry, “{title}” is no longer available.")
            if product.stock == 0:
                raise CheckoutError(f"Sorry, “{product.title}” has just sold out.")
            if product.stock is not None and product.stock < quantity:
                raise CheckoutError(
                    f"Sorry, only {product.stock} of “{product.title}” left. "
                    "Please lower the quantity in your basket."
                )
        for product_id, quantity in wanted.items():
            if products[product_id].stock is not None:
                Product.objects.filter(pk=product_id).update_and_retire_pages(
                    stock=F("stock") - quantity
                )
        # Priced from the products as locked now, not from the page the buyer saw.
        subtotal = sum(products[pid].price * quantity for pid, quantity in wanted.items())
        order = Order.objects.create(
            email=email,
            currency=summary.currency,
            subtotal=subtotal,
            shipping=summary.shipping,
            total=subtotal + summary.shipping,
            shipping_region=summary.region,
            basket=summary.basket,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product=products[pid],
                title=products[pid].title,
                unit_price=products[pid].price,
                quantity=quantity,
            )
            for pid, quantity in wanted.items()
        )
    return order


def _discard_unstarted_order(order: Order) -> None:
    """Stripe never opened a session for this order: give its stock back and delete it."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        _return_stock(order)
        order.delete()


def _return_stock(order: Order) -> None:
    """Put the order's units back on sale, once. Call inside a transaction holding the order."""
    if order.stock_released:
        return
    for line in order.lines.all():
        if line.product_id is not None:
            Product.objects.filter(pk=line.product_id, stock__isnull=False).update_and_retire_pages(
                stock=F("stock") + line.quantity
            )
    order.stock_released = True


def _end_unpaid(order: Order, status: str) -> None:
    order.transition_to(status)
    _return_stock(order)


def apply_checkout_session(
    session: payments.CheckoutSession, event_type: str | None = None
) -> Order | None:
    """Bring the order in line with what Stripe says of its session. Safe to call twice, and
    with events in any order: a move the order may not make (a late "expired" after payment,
    a "completed, unpaid" after "payment succeeded") changes nothing."""
    with transaction.atomic():
        order = _order_for_session(session)
        if order is None:
            logger.warning("No order for Checkout Session %s", session.id)
            return None
        target = _status_for(session, event_type)
        if target is None or not order.can_become(target):
            return order
        if target == Order.Status.PAID:
            order.transition_to(target)
            order.paid_at = timezone.now()
        elif target in (Order.Status.EXPIRED, Order.Status.PAYMENT_FAILED):
            _end_unpaid(order, target)
        else:
            order.transition_to(target)
        if session.payment_intent:
            order.stripe_payment_intent_id = session.payment_intent
        if session.shipping_address:
            order.shipping_name = session.shipping_name
            order.shipping_address = session.shipping_address
        order.save()
        if order.is_paid and order.basket_id:
            _remove_bought_items_from_basket(order)
        if order.status == Order.Status.PAID:
            tasks.enqueue_on_commit(tasks.send_order_emails, order.pk)
    return order


def _order_for_session(session: payments.CheckoutSession) -> Order | None:
    """The order, locked. Found by session id, or by the reference we gave Stripe when the
    event beats the request that stored the session id on the order."""
    orders = Order.objects.select_for_update()
    order = orders.filter(stripe_session_id=session.id).first()
    if order is None and session.reference:
        order = orders.filter(reference=session.reference, stripe_session_id__isnull=True).first()
        if order is not None:
            order.stripe_session_id = session.id
    return order


def _remove_bought_items_from_basket(order: Order) -> None:
    """Take what was bought out of the basket, leaving anything added since checkout began."""
    bought = {line.product_id: line.quantity for line in order.lines.all() if line.product_id}
    lines = BasketLine.objects.select_for_update().filter(
        basket_id=order.basket_id, product_id__in=bought
    )
    for line in lines:
        if line.quantity > bought[line.product_id]:
            line.quantity -= bought[line.product_id]
            line.save(update_fields=["quantity"])
        else:
            line.delete()


def _status_for(session: payments.CheckoutSession, event_type: str | None) -> str | None:
    if event_type == "checkout.session.expired" or session.status == "expired":
        return Order.Status.EXPIRED
    if event_type == "checkout.session.async_payment_failed":
        return Order.Status.PAYMENT_FAILED
    if session.is_paid:
        return Order.Status.PAID
    if session.status == "complete":
        return Order.Status.PROCESSING
    return None


def cancel_checkout(order: Order) -> None:
    """The buyer came back from Stripe without paying: close the session so it can't be paid
    later, and give the stock back. If Stripe says it was paid after all, record that instead.
    If Stripe cannot be asked, the order stays as it is (a session that might still be paid is
    never cancelled here); it is closed on the next try or settled when the session expires."""
    if order.status != Order.Status.PENDING:
        return
    session = None
    if order.stripe_session_id and payments.is_configured():
        try:
            session = payments.expire_checkout_session(order.stripe_session_id)
        except payments.PaymentError:
            try:  # already completed or expired: find out which
                session = payments.retrieve_checkout_session(order.stripe_session_id)
            except payments.PaymentError:
                logger.warning("Checkout Session %s could not be closed", order.stripe_session_id)
                return
    if session is not None and session.status == "complete":
        apply_checkout_session(session)
        return
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.can_become(Order.Status.CANCELLED):
            _end_unpaid(order, Order.Status.CANCELLED)
            order.save()


def record_webhook(event: payments.WebhookEvent) -> str:
    """Record a verified Stripe event once and act on it; a repeated event changes nothing.
    Returns a short note of what happened, kept with the event."""
    with transaction.atomic():
        record, created = PaymentEvent.objects.get_or_create(
            stripe_event_id=event.id, defaults={"type": event.type, "payload": event.payload}
        )
        if not created:
            return "duplicate delivery, ignored"
        if event.session is None:
            outcome = "not a checkout event, ignored"
        elif event.session.kind == "preorder":
            preorder = preorders.apply_checkout_session(event.session, event.type)
            outcome = (
                f"pre-order {preorder.reference} is {preorder.status}"
                if preorder
                else "no such pre-order"
            )
        else:
            order = apply_checkout_session(event.session, event.type)
            record.order = order
            outcome = f"order {order.reference} is {order.status}" if order else "no such order"
        record.outcome = outcome
        record.save(update_fields=["order", "outcome"])
    return outcome


def settle_stale_checkouts(older_than_minutes: int) -> int:
    """Ask Stripe about orders and pre-orders still waiting long after their session should
    have closed, and apply what it says. A safety net for webhooks that never arrived: without
    it, their stock or pre-order units would stay taken. Returns how many were checked."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    stale = Order.objects.filter(
        status__in=[Order.Status.PENDING, Order.Status.PROCESSING],
        created_at__lt=cutoff,
        stripe_session_id__isnull=False,
    )
    stale_preorders = PreOrder.objects.filter(
        status__in=preorders.NEEDS_STRIPE,
        updated_at__lt=cutoff,
        stripe_session_id__isnull=False,
    )
    checked = 0
    for apply, session_ids in [
        (apply_checkout_session, stale.values_list("stripe_session_id", flat=True)),
        (
            preorders.apply_checkout_session,
            stale_preorders.values_list("stripe_session_id", flat=True),
        ),
    ]:
        for session_id in session_ids:
            try:
                apply(payments.retrieve_checkout_session(session_id))
            except payments.PaymentError:
                logger.warning("Could not check Checkout Session %s; will retry", session_id)
                continue
            checked += 1
    return checked
