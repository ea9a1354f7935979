"""Pre-orders: taking units of a product not yet released, and giving them back.

Invariants:
- a campaign never takes more units than its cap: units are counted on the product row, which
  is locked while a pre-order is placed, so fifty buyers at once can never share ten units;
- a buyer never holds more than the per-buyer limit across their live pre-orders;
- one form submission makes one pre-order, however often it is resubmitted (its one-time token
  is unique);
- units are given back exactly once when a pre-order ends unpaid or is cancelled;
- everything Stripe says about a pre-order's payment goes through `apply_checkout_session`,
  which is safe to call twice and in any order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from shop import countries, emails, payments, shipping
from shop.models import PreOrder, PreOrderChargeMode, Product

logger = logging.getLogger(__name__)


class PreOrderError(Exception):
    """A pre-order that cannot be taken; `message` tells the buyer why, `field` where."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Buyer:
    name: str
    email: str
    address_line1: str
    address_line2: str
    city: str
    postcode: str
    country: str
    note: str = ""


def units_allowed(cap: int | None, reserved: int, per_buyer_limit: int, already: int) -> int:
    """The most units one buyer may still pre-order: within their own limit (less what they
    already hold) and within what the cap has left. Never negative."""
    by_buyer = max(0, per_buyer_limit - already)
    if cap is None:
        return by_buyer
    return max(0, min(by_buyer, cap - reserved))


def check_quantity(product: Product, quantity: int, already: int) -> None:
    """Refuse a quantity the campaign or the buyer's limit cannot take, saying which."""
    if quantity < 1:
        raise PreOrderError("Please pre-order at least 1.", "quantity")
    left = product.preorder_units_left
    if left == 0:
        raise PreOrderError(
            f"Sorry, the pre-order for “{product.title}” is now full. Nothing was reserved.",
            "quantity",
        )
    mine = max(0, product.preorder_per_buyer_limit - already)
    if quantity > mine:
        held = f" You already have {already} reserved." if already else ""
        raise PreOrderError(
            f"You can pre-order up to {product.preorder_per_buyer_limit} of “{product.title}”."
            + held,
            "quantity",
        )
    if left is not None and quantity > left:
        raise PreOrderError(
            f"Sorry, only {left} of “{product.title}” left to pre-order. "
            "Please choose fewer; nothing was reserved.",
            "quantity",
        )


def _held_by(product: Product, email: str) -> int:
    return (
        PreOrder.objects.filter(
            product=product, email__iexact=email, status__in=PreOrder.HOLDS_UNITS
        ).aggregate(total=Sum("quantity"))["total"]
        or 0
    )


def place_preorder(
    product_id: int, quantity: int, buyer: Buyer, form_token: str
) -> tuple[PreOrder, bool]:
    """Reserve units for a buyer; returns the pre-order and whether it was made just now (a
    resubmitted form gets the one its token already made)."""
    try:
        with transaction.atomic():
            product = Product.objects.select_for_update().get(pk=product_id)
            existing = PreOrder.objects.filter(form_token=form_token).first()
            if existing is not None:
                return existing, False
            if product.status != Product.Status.PRE_ORDER:
                raise PreOrderError(f"“{product.title}” is not available to pre-order.", "product")
            if not product.preorder_open:
                raise PreOrderError(
                    f"Pre-orders for “{product.title}” are closed. Nothing was reserved.", "product"
                )
            if product.preorder_charge_mode == PreOrderChargeMode.CHARGE_NOW and not (
                payments.is_configured()
            ):
                raise PreOrderError(
                    "Payments are not set up on this site yet, so this pre-order cannot be paid "
                    "for. Nothing was reserved; please come back soon."
                )
            check_quantity(product, quantity, _held_by(product, buyer.email))
            region = countries.region_for(buyer.country)
            preorder = PreOrder.objects.create(
                form_token=form_token,
                product=product,
                quantity=quantity,
                unit_price=product.price,
                shipping=shipping.shipping_cost(region, [product.shipping_class]),
                currency=product.currency,
                charge_mode=product.preorder_charge_mode,
                status=(
                    PreOrder.Status.RESERVED
                    if product.preorder_charge_mode == PreOrderChargeMode.RESERVE
                    else PreOrder.Status.AWAITING_PAYMENT
                ),
                name=buyer.name,
                email=buyer.email,
                address_line1=buyer.address_line1,
                address_line2=buyer.address_line2,
                city=buyer.city,
                postcode=buyer.postcode,
                country=buyer.country,
                note=buyer.note,
            )
            Product.objects.filter(pk=product.pk).update(
                preorder_reserved=F("preorder_reserved") + quantity
            )
            if preorder.status == PreOrder.Status.RESERVED:
                transaction.on_commit(lambda: emails.send_preorder_emails(preorder.pk))
    except IntegrityError:
        # The same token raced in on another connection and won: that pre-order is this one.
        return PreOrder.objects.get(form_token=form_token), False
    return preorder, True


def _give_back_units(preorder: PreOrder) -> None:
    """Put the pre-order's units back in the campaign, once. Call holding the pre-order."""
    if preorder.units_released:
        return
    Product.objects.filter(pk=preorder.product_id).update(
        preorder_reserved=F("preorder_reserved") - preorder.quantity
    )
    preorder.units_released = True


def start_payment(request: HttpRequest, preorder: PreOrder) -> str:
    """Open (or reopen) the Stripe Checkout Session for a charge-now pre-order."""
    if preorder.stripe_session_url and preorder.status == PreOrder.Status.AWAITING_PAYMENT:
        return preorder.stripe_session_url
    region = countries.region_for(preorder.country)
    success = request.build_absolute_uri(reverse("shop:preorder_paid"))
    cancel = request.build_absolute_uri(preorder.get_absolute_url())
    try:
        session = payments.create_checkout_session(
            payments.PaymentRequest(
                kind="preorder",
                reference=preorder.reference,
                email=preorder.email,
                currency=preorder.currency,
                lines=[
                    payments.LineItem(
                        f"Pre-order: {preorder.product.title}",
                        preorder.unit_price,
                        preorder.quantity,
                    )
                ],
                success_url=success + "?session_id={CHECKOUT_SESSION_ID}",
                cancel_url=cancel,
                shipping_amount=preorder.shipping,
                shipping_label=f"Delivery: {shipping.regions()[region]['label']}",
            )
        )
    except payments.PaymentError as error:
        cancel_preorder(preorder.pk)
        raise PreOrderError(error.message) from error
    PreOrder.objects.filter(pk=preorder.pk).update(
        stripe_session_id=session.id, stripe_session_url=session.url
    )
    return session.url


def cancel_preorder(preorder_pk: int) -> PreOrder:
    """Cancel a pre-order that has not been paid, giving its units back."""
    with transaction.atomic():
        preorder = PreOrder.objects.select_for_update().get(pk=preorder_pk)
        if preorder.can_become(PreOrder.Status.CANCELLED):
            preorder.status = PreOrder.Status.CANCELLED
            _give_back_units(preorder)
            preorder.save()
    return preorder


def apply_checkout_session(
    session: payments.CheckoutSession, event_type: str | None = None
) -> PreOrder | None:
    """Bring a charge-now pre-order in line with its Checkout Session; idempotent."""
    with transaction.atomic():
        preorders = PreOrder.objects.select_for_update()
        preorder = preorders.filter(stripe_session_id=session.id).first()
        if preorder is None and session.reference:
            preorder = preorders.filter(
                reference=session.reference, stripe_session_id__isnull=True
            ).first()
            if preorder is not None:
                preorder.stripe_session_id = session.id
        if preorder is None:
            logger.warning("No pre-order for Checkout Session %s", session.id)
            return None
        never_paid = {"checkout.session.expired", "checkout.session.async_payment_failed"}
        expired = event_type in never_paid or session.status == "expired"
        if expired and preorder.can_become(PreOrder.Status.EXPIRED):
            preorder.status = PreOrder.Status.EXPIRED
            _give_back_units(preorder)
        elif session.is_paid and preorder.can_become(PreOrder.Status.PAID):
            preorder.status = PreOrder.Status.PAID
            preorder.paid_at = timezone.now()
            preorder.stripe_payment_intent_id = session.payment_intent
            transaction.on_commit(lambda: emails.send_preorder_emails(preorder.pk))
        else:
            return preorder
        preorder.save()
    return preorder
