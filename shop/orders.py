"""What shop staff do to orders by hand: cancel one awaiting payment, pack, ship (with
tracking) and refund.

Invariants: staff move an order only along STAFF_MOVES (paid, expired and failed are Stripe's
word alone); cancelling closes the Stripe session before the stock comes back, and changes
nothing if Stripe cannot confirm it; a refund is made at Stripe before it is recorded, with an
idempotency key per confirmation page, so a double-submit or a retry never refunds twice, and
never for more than is left; the buyer's shipping, refund and cancellation emails go once
each.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum

from shop import checkout, emails, payments, vat
from shop.models import Order, Refund, RefundLine


class OrderActionError(Exception):
    """A staff action that cannot be done; `message` says why, for the admin form."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# What staff may do by hand, by status. Paid, processing, expired and payment failed are only
# ever Stripe's word (webhooks and settlement); refunds go through `refund`, which asks first.
STAFF_MOVES = {
    Order.Status.PENDING: {Order.Status.CANCELLED},
    Order.Status.PAID: {Order.Status.PACKED, Order.Status.SHIPPED},
    Order.Status.PACKED: {Order.Status.SHIPPED},
}
# An order collected in person is made ready (the buyer is emailed), then handed over.
STAFF_MOVES_FOR_COLLECTION = {
    Order.Status.PENDING: {Order.Status.CANCELLED},
    Order.Status.PAID: {Order.Status.PACKED, Order.Status.READY_TO_COLLECT},
    Order.Status.PACKED: {Order.Status.READY_TO_COLLECT},
    Order.Status.READY_TO_COLLECT: {Order.Status.COLLECTED},
}
STRIPES_WORD = {
    Order.Status.PAID,
    Order.Status.PROCESSING,
    Order.Status.EXPIRED,
    Order.Status.PAYMENT_FAILED,
}


def staff_may_move(order: Order, status: str) -> bool:
    moves = STAFF_MOVES_FOR_COLLECTION if order.is_collected_in_person else STAFF_MOVES
    return status in moves.get(order.status, set())


def change_status(order_pk: int, status: str, tracking_number: str = "") -> Order:
    """Move an order to `status` by hand, or only update its tracking number if the status
    stays. Only the moves in STAFF_MOVES are allowed; the returned order says where it ended
    (a cancel can find the buyer has just paid)."""
    order = Order.objects.get(pk=order_pk)
    if status != order.status:
        _check_staff_move(order, status)
    if status == Order.Status.CANCELLED and order.status != Order.Status.CANCELLED:
        return _cancel(order)
    tracking_number = tracking_number.strip()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_pk)
        if status != order.status:
            _check_staff_move(order, status)
            if status == Order.Status.SHIPPED and not tracking_number:
                raise OrderActionError("Enter the tracking number to mark the order shipped.")
            order.transition_to(status, tracking_number=tracking_number)
        if order.tracking_number != tracking_number:
            order.tracking_number = tracking_number
            order.save(update_fields=["tracking_number", "updated_at"])
    return order


def _check_staff_move(order: Order, status: str) -> None:
    if staff_may_move(order, status):
        return
    if status == Order.Status.REFUNDED:
        raise OrderActionError("Use the Refund button to refund an order; it asks you to confirm.")
    if status in STRIPES_WORD:
        raise OrderActionError(
            f"“{Order.Status(status).label}” comes only from Stripe, when the buyer pays or "
            "their payment page closes; it cannot be set by hand. To stop an order awaiting "
            "payment, cancel it."
        )
    if order.is_collected_in_person and status == Order.Status.SHIPPED:
        raise OrderActionError(
            "This order is collected in person: mark it ready to collect (the buyer is "
            "emailed), then collected."
        )
    if not order.is_collected_in_person and status in {
        Order.Status.READY_TO_COLLECT,
        Order.Status.COLLECTED,
    }:
        raise OrderActionError("This order is posted, not collected: mark it shipped.")
    raise OrderActionError(
        f"An order that is {order.get_status_display().lower()} cannot be marked "
        f"{Order.Status(status).label.lower()}."
    )


def _cancel(order: Order) -> Order:
    """Close the order's payment page at Stripe and give its stock back, through the same
    path as a buyer who cancels, except that the buyer is emailed. Stripe is asked outside any
    transaction; if it cannot confirm the page is closed, nothing changes."""
    checkout.cancel_checkout(order, by_staff=True)
    order.refresh_from_db()
    if order.status == Order.Status.PENDING:
        raise OrderActionError(
            "Stripe could not confirm that the payment page is closed, so the buyer might "
            "still pay. Nothing was changed; please try again in a moment."
        )
    return order


@dataclass(frozen=True)
class RefundSummary:
    """What an order has paid and had back, for the refund page and the order's page."""

    paid: int
    refunded: int
    left_by_line: dict[int, int]  # order line id: units not refunded yet

    @property
    def left(self) -> int:
        return self.paid - self.refunded

    @property
    def partly_refunded(self) -> bool:
        return 0 < self.refunded < self.paid


def refund_summary(order: Order) -> RefundSummary:
    refunded_units = dict(
        RefundLine.objects.filter(refund__order=order)
        .values_list("line_id")
        .annotate(units=Sum("quantity"))
    )
    return RefundSummary(
        paid=order.total,
        refunded=order.refunds.aggregate(total=Sum("amount"))["total"] or 0,
        left_by_line={
            line.pk: line.quantity - refunded_units.get(line.pk, 0) for line in order.lines.all()
        },
    )


def may_be_refunded(order: Order) -> bool:
    """A paid order with a Stripe payment behind it and something left to give back."""
    return (
        order.status in Order.PAID_STATUSES
        and bool(order.stripe_payment_intent_id)
        and refund_summary(order).left > 0
    )


def refund(
    order_pk: int,
    *,
    key: str,
    reason: str,
    lines: dict[int, int] | None = None,
    amount: int | None = None,
    restock: bool = False,
    by=None,
) -> Refund:
    """Refund part or all of a paid order: `lines` maps order line ids to units given back,
    `amount` (minor units) defaults to those units' price. Returns the refund once Stripe has
    made it; the units are then back on sale if `restock`, the order is marked refunded once
    nothing is left, and the buyer is emailed.

    The refund is claimed first, under the order's row lock, so two refunds at once can never
    give back more money or units than the order had; Stripe is called outside the lock.
    `key` comes from the confirmation page: submitting the same page twice finds the first
    refund (at Stripe too, through the idempotency key), while a later refund has its own."""
    lines = {line_id: units for line_id, units in (lines or {}).items() if units}
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_pk)
        claimed = Refund.objects.filter(idempotency_key=key).first()
        if claimed is None:
            amount = _check_refund(order, lines, amount, restock, reason)
            claimed = Refund.objects.create(
                order=order,
                amount=amount,
                vat=_vat_in_refund(order, lines, amount),
                restocked=restock,
                reason=reason.strip(),
                idempotency_key=key,
                created_by=by,
            )
            RefundLine.objects.bulk_create(
                RefundLine(refund=claimed, line_id=line_id, quantity=units)
                for line_id, units in lines.items()
            )
        elif claimed.order_id != order.pk:
            raise OrderActionError("This confirmation belongs to another order.")
    if claimed.stripe_refund_id:
        return claimed
    try:
        refund_id = payments.refund_payment(
            order.stripe_payment_intent_id,
            idempotency_key=f"refund-{order.reference}-{key}",
            amount=claimed.amount,
        )
    except payments.PaymentError as error:
        Refund.objects.filter(pk=claimed.pk, stripe_refund_id__isnull=True).delete()
        raise OrderActionError(f"Stripe did not make the refund: {error.message}") from error
    return _complete_refund(claimed.pk, refund_id)


def _check_refund(
    order: Order, lines: dict[int, int], amount: int | None, restock: bool, reason: str
) -> int:
    """The amount to refund, or OrderActionError saying what is wrong with the request."""
    if order.status not in Order.PAID_STATUSES:
        raise OrderActionError(
            f"Only paid orders can be refunded; this one is {order.get_status_display().lower()}."
        )
    if not order.stripe_payment_intent_id:
        raise OrderActionError("This order has no Stripe payment to refund.")
    if not reason.strip():
        raise OrderActionError("Say why the order is refunded.")
    summary = refund_summary(order)
    order_lines = {line.pk: line for line in order.lines.all()}
    for line_id, units in lines.items():
        if line_id not in order_lines or units < 0:
            raise OrderActionError("Choose items from this order to refund.")
        if units > summary.left_by_line[line_id]:
            raise OrderActionError(
                f"Only {summary.left_by_line[line_id]} × {order_lines[line_id].title} "
                "can still be refunded."
            )
    if restock and not lines:
        raise OrderActionError("Choose the items to put back in stock.")
    if amount is None:
        amount = sum(order_lines[line_id].paid_for(units) for line_id, units in lines.items())
        if not amount:
            raise OrderActionError("Choose the items to refund, or type an amount.")
    if amount <= 0:
        raise OrderActionError("The amount to refund must be more than nothing.")
    if amount > summary.left:
        raise OrderActionError(
            f"At most {order.money(summary.left)} is left to refund on this order "
            f"({order.money(summary.refunded)} of {order.money(summary.paid)} refunded already)."
        )
    return amount


def _vat_in_refund(order: Order, lines: dict[int, int], amount: int) -> int:
    """What VAT the refund gives back, by the VAT each line kept at the time of sale."""
    if not order.vat_number:
        return 0
    bought = {line.pk: line for line in order.lines.all()}
    given_back = [
        vat.RefundedUnits(units, bought[pk].quantity, bought[pk].paid, bought[pk].vat)
        for pk, units in lines.items()
    ]
    return vat.in_refund(given_back, amount, order.total, order.vat_total)


def _complete_refund(refund_pk: int, refund_id: str) -> Refund:
    """Record that Stripe made the claimed refund, once: put its units back if asked, mark the
    order refunded when nothing is left, and queue the buyer's email."""
    with transaction.atomic():
        refund = Refund.objects.select_related("order").get(pk=refund_pk)
        order = Order.objects.select_for_update().get(pk=refund.order_id)
        refund.refresh_from_db()
        if refund.stripe_refund_id:
            return refund
        refund.stripe_refund_id = refund_id
        refund.save(update_fields=["stripe_refund_id", "updated_at"])
        if refund.restocked:
            _put_back_in_stock(order, dict(refund.lines.values_list("line_id", "quantity")))
        if refund_summary(order).left <= 0 and order.can_become(Order.Status.REFUNDED):
            order.stripe_refund_id = refund_id
            order.transition_to(Order.Status.REFUNDED)
        emails.queue("order_refunded", refund)
    return refund


def _put_back_in_stock(order: Order, lines: dict[int, int]) -> None:
    """Return refunded units to their products' stock (unlimited stock stays unlimited), in
    product id order as checkout locks them."""
    given_back = order.lines.filter(pk__in=lines, product__isnull=False).order_by("product_id")
    for line in given_back:
        line.put_back(lines[line.pk])
