"""What shop staff do to orders after payment: pack, ship (with tracking) and refund.

Invariants: an order only moves along Order.TRANSITIONS; a refund is asked of Stripe before the
order is marked refunded, with an idempotency key per order, so retrying after a failure never
refunds twice; the buyer's shipping email goes once.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from shop import payments, tasks
from shop.models import Order


class OrderActionError(Exception):
    """A staff action that cannot be done; `message` says why, for the admin form."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def change_status(order_pk: int, status: str, tracking_number: str = "") -> Order:
    """Move an order to `status`, or only update its tracking number if the status stays."""
    if status == Order.Status.REFUNDED:
        return refund_order(order_pk)
    tracking_number = tracking_number.strip()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_pk)
        if status != order.status:
            if not order.can_become(status):
                raise OrderActionError(
                    f"An order that is {order.get_status_display().lower()} cannot be marked "
                    f"{Order.Status(status).label.lower()}."
                )
            if status == Order.Status.SHIPPED and not tracking_number:
                raise OrderActionError("Enter the tracking number to mark the order shipped.")
            order.transition_to(status)
            if status == Order.Status.SHIPPED:
                order.shipped_at = timezone.now()
                tasks.enqueue_on_commit(tasks.send_shipping_notice, order.pk)
        order.tracking_number = tracking_number
        order.save()
    return order


def refund_order(order_pk: int) -> Order:
    """Refund a paid order in full through Stripe, then record it."""
    order = Order.objects.get(pk=order_pk)
    if order.status == Order.Status.REFUNDED:
        return order
    if not order.can_become(Order.Status.REFUNDED):
        raise OrderActionError(
            f"Only paid orders can be refunded; this one is {order.get_status_display().lower()}."
        )
    if not order.stripe_payment_intent_id:
        raise OrderActionError("This order has no Stripe payment to refund.")
    try:
        refund_id = payments.refund_payment(
            order.stripe_payment_intent_id, idempotency_key=f"refund-{order.reference}"
        )
    except payments.PaymentError as error:
        raise OrderActionError(f"Stripe did not refund the payment: {error.message}") from error
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_pk)
        if order.can_become(Order.Status.REFUNDED):
            order.transition_to(Order.Status.REFUNDED)
            order.stripe_refund_id = refund_id
            order.refunded_at = timezone.now()
            order.save()
    return order
