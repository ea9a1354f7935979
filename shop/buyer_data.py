"""A buyer's data on request: everything held about one email address, exported as one JSON file,
and erased where no legal duty to keep it remains (UK GDPR articles 15 and 17), each request
recorded in `BuyerDataRequest`.

What erasure does, and why:
- A sale is a record the seller must keep: HMRC and the Companies Act require sales, refund and
  VAT records for 6 years from the end of the financial year they fall in. So an order or a
  pre-order that took money is **anonymised**, never deleted: name, email, address, note and
  the private link go; reference, status, dates, products, amounts, refunds, delivery country
  and tracking number stay, so totals, the CSV exports and the VAT return do not change.
  (Keeping the data to meet that duty is lawful under article 17(3)(b).)
- Only a purchase that is over can be erased. An order paid and not yet shipped, or awaiting
  payment, and a pre-order still to be paid, charged or sent, **block** the whole erasure with a
  reason staff can act on: erasing it would lose someone's purchase or their parcel's address.
- A purchase that ended without payment (cancelled, expired, payment failed) is not a sale and
  is **deleted**, with its lines and its basket, once Stripe can no longer send news of it
  (`LATE_EVENT_WINDOW`). Until then it is anonymised instead, so a payment that still arrives
  for it finds it and is refunded by shop/settlement.py rather than kept with no order.
- Stripe events that mention the buyer are kept (their id is what makes a repeated delivery
  change nothing) with the buyer's details stripped from the payload.
- Stripe keeps its own copy (customers, payments, saved cards). This module never asks Stripe
  to delete anything: the record lists the Stripe ids for staff to erase in Stripe's dashboard.

Invariants: an erasure is one transaction over rows locked in id order, re-planned under the
lock, and refused if the plan differs from the one staff confirmed; nothing is erased while
anything blocks; every export and erasure (and every refused erasure) leaves one record.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.crypto import salted_hmac

from shop.emails import EMAILS
from shop.models import (
    BackInStockRequest,
    Basket,
    BuyerDataRequest,
    Order,
    PaymentEvent,
    PreOrder,
    Refund,
)

EXPORT_FORMAT = "quire-buyer-data/1"
# Stripe retries an undelivered webhook for up to 3 days: a purchase that ended unpaid more
# recently is anonymised rather than deleted, so a late payment still finds it (and is refunded).
LATE_EVENT_WINDOW = timedelta(days=3)
_HASH_SALT = "quire.shop.buyer_data.email"

ORDERS_OPEN = {
    Order.Status.PENDING: "is awaiting payment: the buyer may be paying now. Cancel it or let "
    "it expire first",
    Order.Status.PROCESSING: "has a payment still clearing. Wait until it is paid or fails",
    Order.Status.PAID: "is paid and not yet shipped. Ship, refund or cancel it first",
    Order.Status.PACKED: "is packed and not yet shipped. Ship or refund it first",
    Order.Status.READY_TO_COLLECT: "is waiting to be collected. Hand it over or refund it first",
}
ORDERS_SOLD = {Order.Status.SHIPPED, Order.Status.COLLECTED, Order.Status.REFUNDED}
PREORDERS_SOLD = {PreOrder.Status.SHIPPED, PreOrder.Status.REFUNDED}
PREORDERS_ENDED_UNPAID = {PreOrder.Status.CANCELLED, PreOrder.Status.EXPIRED}


class BuyerDataError(Exception):
    """Something staff are told on the page (bad input, nothing held, a plan that changed)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ErasureRefused(BuyerDataError):
    def __init__(self, reasons: list[str]):
        super().__init__("Nothing was erased: " + " ".join(reasons))
        self.reasons = reasons


def normalised_email(text: str) -> str:
    """The address as staff typed it, trimmed and lower-cased, or BuyerDataError."""
    email = (text or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise BuyerDataError(
            f"“{text.strip()[:100]}” is not an email address. Type the buyer's address, "
            "such as ruth@example.com."
        ) from None
    return email


def email_hash(email: str, *, secret: str | None = None) -> str:
    """A keyed hash of the address: the same address always gives the same hash, and no one
    without the site's secret key can test addresses against it."""
    return salted_hmac(
        _HASH_SALT, normalised_email(email), secret=secret, algorithm="sha256"
    ).hexdigest()


def past_requests(email: str):
    """Earlier requests about this address, also those recorded under a retired secret key."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    hashes = {email_hash(email, secret=secret) for secret in secrets}
    return BuyerDataRequest.objects.filter(email_hash__in=hashes)


# What is held ---------------------------------------------------------------------------------


@dataclass
class Holding:
    """Everything held about one email address."""

    email: str
    orders: list[Order]
    preorders: list[PreOrder]
    refunds: list[Refund]
    payment_events: list[PaymentEvent]
    baskets: list[Basket]
    back_in_stock: list[BackInStockRequest]

    @property
    def counts(self) -> dict[str, int]:
        return {
            "orders": len(self.orders),
            "pre-orders": len(self.preorders),
            "refunds": len(self.refunds),
            "payment events": len(self.payment_events),
            "baskets": len(self.baskets),
            "back-in-stock requests": len(self.back_in_stock),
        }

    @property
    def is_empty(self) -> bool:
        return not (self.orders or self.preorders or self.payment_events or self.back_in_stock)


def find(email: str, *, lock: bool = False) -> Holding:
    """Every row about this address (case-insensitive, as buyers type it differently). With
    `lock`, its orders and pre-orders are locked in id order (call inside a transaction)."""
    email = normalised_email(email)
    orders_qs = Order.objects.filter(email__iexact=email).order_by("pk")
    preorders_qs = PreOrder.objects.filter(email__iexact=email).order_by("pk")
    if lock:
        orders_qs = orders_qs.select_for_update()
        preorders_qs = preorders_qs.select_for_update()
    orders = list(orders_qs)
    preorders = list(preorders_qs)
    order_pks = [order.pk for order in orders]
    # Events of its orders, and any other event whose payload names the address or one of its
    # pre-orders (pre-order events are not linked to a row).
    mentions = Q(payload_text__icontains=email)
    for preorder in preorders:
        mentions |= Q(payload_text__contains=preorder.reference)
    events = PaymentEvent.objects.annotate(payload_text=Cast("payload", TextField())).filter(
        Q(order__in=order_pks) | mentions
    )
    return Holding(
        email=email,
        orders=orders,
        preorders=preorders,
        refunds=list(
            Refund.objects.filter(order__in=order_pks).select_related("order").order_by("pk")
        ),
        payment_events=list(events.order_by("received_at", "pk")),
        baskets=list(
            Basket.objects.filter(orders__in=order_pks).distinct().prefetch_related("lines")
        ),
        back_in_stock=list(
            BackInStockRequest.objects.filter(email__iexact=email)
            .select_related("product")
            .order_by("pk")
        ),
    )


# Export ---------------------------------------------------------------------------------------


def _money(purchase: Order | PreOrder, amount: int) -> dict:
    return {"amount": amount, "display": purchase.money(amount)}


def _emails_sent(row: Order | PreOrder | Refund) -> list[dict]:
    """Each email of the shop's registry (shop/emails.py) recorded as sent about this row.
    Where kinds share where "sent" is recorded (a receipt worded for how the order was paid),
    the kind whose condition the row meets is named; failing that, each that may have gone."""
    kinds_by_field: dict[str, list[str]] = {}
    for kind, email in EMAILS.items():
        if isinstance(row, email.model):
            kinds_by_field.setdefault(email.sent_field, []).append(kind)
    sent = []
    for sent_field, kinds in kinds_by_field.items():
        value = getattr(row, sent_field)
        if value is None:
            continue
        if len(kinds) > 1:
            rows = type(row).objects.filter(pk=row.pk)
            kinds = [k for k in kinds if rows.filter(EMAILS[k].when).exists()] or kinds
        sent.append(
            {
                "kind": " or ".join(kinds),
                "email": " or ".join(EMAILS[kind].label for kind in kinds),
                "sent": value,
            }
        )
    return sent


def _order(order: Order, holding: Holding) -> dict:
    lines = list(order.lines.all())
    return {
        "reference": order.reference,
        "status": order.get_status_display(),
        "placed": order.created_at,
        "paid": order.paid_at,
        "shipped": order.shipped_at,
        "refunded": order.refunded_at,
        "currency": order.currency,
        "items": [
            {
                "title": line.title,
                "quantity": line.quantity,
                "unit_price": _money(order, line.unit_price),
                "total": _money(order, line.line_total),
            }
            for line in lines
        ],
        "subtotal": _money(order, order.subtotal),
        "discount_code": order.discount_label,
        "discount": _money(order, order.discount),
        "delivery": _money(order, order.shipping),
        "total": _money(order, order.total),
        "delivery_region": order.shipping_region,
        "delivery_address": order.address_lines,
        "collect_from": order.collect_from,
        "tracking_number": order.tracking_number,
        "refunds": [
            {
                "amount": _money(order, refund.amount),
                "reason": refund.reason,
                "made": refund.created_at,
                "items": [str(line) for line in refund.lines.select_related("line")],
                "emails_sent": _emails_sent(refund),
            }
            for refund in holding.refunds
            if refund.order_id == order.pk
        ],
        "emails_sent": _emails_sent(order),
        "stripe_payment": order.stripe_payment_intent_id,
    }


def _preorder(preorder: PreOrder) -> dict:
    return {
        "reference": preorder.reference,
        "status": preorder.get_status_display(),
        "product": preorder.title,
        "quantity": preorder.quantity,
        "unit_price": _money(preorder, preorder.unit_price),
        "delivery": _money(preorder, preorder.shipping),
        "total": _money(preorder, preorder.total),
        "currency": preorder.currency,
        "when_you_pay": preorder.get_charge_mode_display(),
        "placed": preorder.created_at,
        "paid": preorder.paid_at,
        "shipped": preorder.shipped_at,
        "delivery_address": preorder.address_lines,
        "note": preorder.note,
        "tracking_number": preorder.tracking_number,
        "bought_with_order": preorder.order.reference if preorder.order_id else None,
        "emails_sent": _emails_sent(preorder),
        "stripe_payment": preorder.stripe_payment_intent_id,
        "stripe_customer": preorder.stripe_customer_id,
    }


def export_document(holding: Holding) -> dict[str, Any]:
    """The export as a dict, in the documented shape `EXPORT_FORMAT` (README, "Buyer data")."""
    return {
        "format": EXPORT_FORMAT,
        "about": (
            "Everything this shop holds about the email address below: orders, pre-orders, "
            "refunds, the emails sent about them, the baskets they were bought from and the "
            "payment events Stripe sent. Amounts are in minor units (pence) with the amount "
            "as written; times are UTC. Stripe keeps its own record of payments."
        ),
        "email": holding.email,
        "exported": timezone.now(),
        "orders": [_order(order, holding) for order in holding.orders],
        "pre_orders": [_preorder(preorder) for preorder in holding.preorders],
        "baskets": [
            {
                "created": basket.created_at,
                "items": [
                    {"product": line.product.title, "quantity": line.quantity}
                    for line in basket.lines.select_related("product")
                ],
            }
            for basket in holding.baskets
        ],
        "back_in_stock_requests": [
            {
                "product": wish.product.title,
                "asked": wish.created_at,
                "confirmed": wish.confirmed_at,
                "told_it_is_back": wish.notified_at,
                "stopped": wish.stopped_at,
            }
            for wish in holding.back_in_stock
        ],
        "payment_events": [
            {
                "stripe_event": event.stripe_event_id,
                "type": event.type,
                "received": event.received_at,
                "what_happened": event.outcome,
                "as_stripe_sent_it": event.payload,
            }
            for event in holding.payment_events
        ],
    }


def export(email: str, *, by) -> tuple[str, bytes]:
    """The buyer's data as one JSON file (its name and bytes); the export is recorded.
    BuyerDataError when nothing is held."""
    holding = find(email)
    if holding.is_empty:
        raise BuyerDataError(f"Nothing is held about {holding.email}: there is nothing to export.")
    document = export_document(holding)
    with transaction.atomic():
        _record(
            holding.email,
            BuyerDataRequest.Action.EXPORT,
            by,
            counts={f"{what} exported": n for what, n in holding.counts.items()},
            outcome=f"Exported {_listed(holding.counts)}.",
        )
    day = timezone.localdate().isoformat()
    body = json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
    return f"buyer-data-{day}.json", body.encode()


# Erasure --------------------------------------------------------------------------------------


@dataclass
class ErasurePlan:
    """What erasing an address would do now, and what stops it."""

    email: str
    anonymise_orders: list[Order] = field(default_factory=list)
    delete_orders: list[Order] = field(default_factory=list)
    anonymise_preorders: list[PreOrder] = field(default_factory=list)
    delete_preorders: list[PreOrder] = field(default_factory=list)
    strip_events: list[PaymentEvent] = field(default_factory=list)
    delete_baskets: list[Basket] = field(default_factory=list)
    delete_back_in_stock: list[BackInStockRequest] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)
    at_stripe: list[str] = field(default_factory=list)

    @property
    def may_erase(self) -> bool:
        return not self.blockers and not self.is_empty

    @property
    def is_empty(self) -> bool:
        return not any(self.counts.values()) and not self.blockers

    @property
    def counts(self) -> dict[str, int]:
        return {
            "orders anonymised": len(self.anonymise_orders),
            "orders deleted": len(self.delete_orders),
            "pre-orders anonymised": len(self.anonymise_preorders),
            "pre-orders deleted": len(self.delete_preorders),
            "payment events stripped": len(self.strip_events),
            "baskets deleted": len(self.delete_baskets),
            "back-in-stock requests deleted": len(self.delete_back_in_stock),
        }

    @property
    def kept_references(self) -> list[str]:
        return [row.reference for row in [*self.anonymise_orders, *self.anonymise_preorders]]

    @property
    def fingerprint(self) -> str:
        """Names exactly the rows and what happens to each: the confirmation page carries it,
        and an erasure whose plan has changed since is refused."""
        rows = {
            what: sorted(str(row.pk) for row in rows)
            for what, rows in [
                ("ao", self.anonymise_orders),
                ("do", self.delete_orders),
                ("ap", self.anonymise_preorders),
                ("dp", self.delete_preorders),
                ("se", self.strip_events),
                ("db", self.delete_baskets),
                ("bs", self.delete_back_in_stock),
            ]
        }
        return hashlib.sha256(json.dumps([self.email, rows]).encode()).hexdigest()[:32]


def _ended_long_ago(purchase: Order | PreOrder, now) -> bool:
    return purchase.updated_at < now - LATE_EVENT_WINDOW


def plan_erasure(holding: Holding) -> ErasurePlan:
    """Decide, for each row held, whether it is anonymised, deleted or blocks the erasure."""
    now = timezone.now()
    plan = ErasurePlan(email=holding.email)
    for preorder in holding.preorders:
        if preorder.status in PREORDERS_SOLD:
            plan.anonymise_preorders.append(preorder)
        elif preorder.status in PREORDERS_ENDED_UNPAID:
            if _ended_long_ago(preorder, now):
                plan.delete_preorders.append(preorder)
            else:
                plan.anonymise_preorders.append(preorder)
        else:
            plan.blockers.append(
                f"Pre-order {preorder.reference} is {preorder.get_status_display().lower()}: "
                "it is still to be paid or sent. Ship, cancel or refund it first."
            )
        if preorder.stripe_customer_id:
            plan.at_stripe.append(f"customer {preorder.stripe_customer_id} (a saved card)")
    deleted_preorders = {preorder.pk for preorder in plan.delete_preorders}
    for order in holding.orders:
        if order.status in ORDERS_OPEN:
            plan.blockers.append(f"Order {order.reference} {ORDERS_OPEN[order.status]}.")
        elif order.status in ORDERS_SOLD:
            plan.anonymise_orders.append(order)
        else:  # ended unpaid
            # Its pre-orders ended with it; one that did not makes the order a record to keep.
            its_preorders = set(order.preorders.values_list("pk", flat=True))
            if _ended_long_ago(order, now) and its_preorders <= deleted_preorders:
                plan.delete_orders.append(order)
            else:
                plan.anonymise_orders.append(order)
        if order.stripe_payment_intent_id:
            plan.at_stripe.append(f"payment {order.stripe_payment_intent_id}")
    for preorder in holding.preorders:
        if preorder.stripe_payment_intent_id:
            plan.at_stripe.append(f"payment {preorder.stripe_payment_intent_id}")
    plan.strip_events = list(holding.payment_events)
    # A basket goes with the orders bought from it, unless another buyer's order was too.
    deleted_orders = {order.pk for order in plan.delete_orders}
    anonymised_orders = {order.pk for order in plan.anonymise_orders}
    ours = deleted_orders | anonymised_orders
    for basket in holding.baskets:
        if set(basket.orders.values_list("pk", flat=True)) <= ours:
            plan.delete_baskets.append(basket)
    plan.delete_back_in_stock = list(holding.back_in_stock)  # no duty keeps a wish
    return plan


def preview_erasure(email: str) -> ErasurePlan:
    """What erasing would do now, for the confirmation page (nothing is changed)."""
    return plan_erasure(find(email))


def erase(email: str, *, by, confirmed: str) -> BuyerDataRequest:
    """Erase the address as `plan_erasure` says, in one transaction, and record it. `confirmed`
    is the fingerprint of the plan staff were shown: if anything has changed since, nothing is
    erased. ErasureRefused (recorded) while anything blocks; BuyerDataError otherwise."""
    email = normalised_email(email)
    with transaction.atomic():
        plan = plan_erasure(find(email, lock=True))
        if plan.is_empty:
            raise BuyerDataError(f"Nothing is held about {email}: there is nothing to erase.")
        if not plan.blockers and plan.fingerprint != confirmed:
            raise BuyerDataError(
                "What is held about this address changed since you looked (a new order, a "
                "payment or a shipment). Nothing was erased: check the new counts and confirm "
                "again."
            )
        if not plan.blockers:
            _carry_out(plan)
            return _record(
                email,
                BuyerDataRequest.Action.ERASURE,
                by,
                counts=plan.counts,
                kept=plan.kept_references,
                outcome=_erasure_outcome(plan),
            )
    # Refused: recorded on its own, so the buyer can be told why and when.
    with transaction.atomic():
        _record(
            email,
            BuyerDataRequest.Action.ERASURE_REFUSED,
            by,
            outcome="Nothing erased. " + " ".join(plan.blockers),
        )
    raise ErasureRefused(plan.blockers)


def _carry_out(plan: ErasurePlan) -> None:
    for event in plan.strip_events:
        event.forget_buyer()
    for preorder in plan.anonymise_preorders:
        preorder.anonymise()
    for order in plan.anonymise_orders:
        order.anonymise()
    PreOrder.objects.filter(pk__in=[p.pk for p in plan.delete_preorders]).delete()
    Order.objects.filter(pk__in=[o.pk for o in plan.delete_orders]).delete()
    Basket.objects.filter(pk__in=[b.pk for b in plan.delete_baskets]).delete()
    BackInStockRequest.objects.filter(pk__in=[w.pk for w in plan.delete_back_in_stock]).delete()


def _erasure_outcome(plan: ErasurePlan) -> str:
    outcome = f"Erased: {_listed(plan.counts)}."
    if plan.at_stripe:
        outcome += (
            " Stripe keeps its own copy: erase the buyer there in Stripe's dashboard "
            f"({'; '.join(plan.at_stripe)})."
        )
    return outcome


def _listed(counts: dict[str, int]) -> str:
    """ "orders anonymised: 2, baskets deleted: 1", leaving out what is none."""
    return ", ".join(f"{what}: {n}" for what, n in counts.items() if n) or "nothing"


def _record(email: str, action: str, by, *, counts=None, kept=None, outcome="") -> BuyerDataRequest:
    return BuyerDataRequest.objects.create(
        email_hash=email_hash(email),
        action=action,
        handled_by=by,
        handled_by_name=by.get_username() if by is not None else "",
        counts=counts or {},
        kept_references=kept or [],
        outcome=outcome,
    )
