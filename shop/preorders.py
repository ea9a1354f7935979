"""Pre-orders: taking units of a product not yet released, and giving them back.

Invariants:
- a campaign never takes more units than its cap: units are counted on the product row, which
  is locked while a pre-order is placed, so fifty buyers at once can never share ten units.
  The lock is taken last, when the pre-order and its emails are written, and held only for the
  cap check, the count of the buyer's own pre-orders and the counter: buyers of one product
  queue for those alone;
- a buyer never holds more than the per-buyer limit across their live pre-orders;
- one form submission makes one pre-order, however often it is resubmitted (its one-time token
  is unique);
- units are given back exactly once when a pre-order ends unpaid or is cancelled (by
  `transition_to`, the only way a pre-order's status changes);
- everything Stripe says about a pre-order's Checkout Session goes through
  `shop.settlement.settle`, which is safe to call twice and in any order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count, ExpressionWrapper, F, IntegerField, Q, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from shop import countries, emails, payments, shipping, tasks, vat
from shop.models import PreOrder, PreOrderChargeMode, Product

logger = logging.getLogger(__name__)


STRIPE_MODES = {PreOrderChargeMode.CHARGE_NOW, PreOrderChargeMode.CHARGE_ON_RELEASE}
FIRST_STATUS = {
    PreOrderChargeMode.CHARGE_NOW: PreOrder.Status.AWAITING_PAYMENT,
    PreOrderChargeMode.CHARGE_ON_RELEASE: PreOrder.Status.AWAITING_CARD,
    PreOrderChargeMode.RESERVE: PreOrder.Status.RESERVED,
}
# Where the buyer still has to go to Stripe: to pay, or to save a card.
NEEDS_STRIPE = {
    PreOrder.Status.AWAITING_PAYMENT,
    PreOrder.Status.AWAITING_CARD,
    PreOrder.Status.PAYMENT_NEEDED,
}


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
    """Refuse a quantity beyond `units_allowed`, saying which limit it runs into."""
    if quantity < 1:
        raise PreOrderError("Please pre-order at least 1.", "quantity")
    allowed = units_allowed(
        product.preorder_cap, product.preorder_reserved, product.preorder_per_buyer_limit, already
    )
    if quantity <= allowed:
        return
    left = product.preorder_units_left
    if left == 0:
        raise PreOrderError(
            f"Sorry, the pre-order for “{product.title}” is now full. Nothing was reserved.",
            "quantity",
        )
    if quantity > product.preorder_per_buyer_limit - already:
        held = f" You already have {already} reserved." if already else ""
        raise PreOrderError(
            f"You can pre-order up to {product.preorder_per_buyer_limit} of “{product.title}”."
            + held,
            "quantity",
        )
    raise PreOrderError(
        f"Sorry, only {left} of “{product.title}” left to pre-order. "
        "Please choose fewer; nothing was reserved.",
        "quantity",
    )


def held_by(product: Product, email: str, excluding: PreOrder | None = None) -> int:
    """Units this buyer already holds in the campaign, across their live pre-orders (other
    than `excluding`)."""
    held = PreOrder.objects.filter(
        product=product, email__iexact=email, status__in=PreOrder.HOLDS_UNITS
    )
    if excluding is not None:
        held = held.exclude(pk=excluding.pk)
    return held.aggregate(total=Sum("quantity"))["total"] or 0


def check_on_offer(product: Product) -> None:
    """Refuse a product that cannot be pre-ordered now, saying why."""
    if product.status != Product.Status.PRE_ORDER:
        raise PreOrderError(f"“{product.title}” is not available to pre-order.", "product")
    if not product.preorder_open:
        raise PreOrderError(
            f"Pre-orders for “{product.title}” are closed. Nothing was reserved.", "product"
        )


def place_preorder(
    product_id: int, quantity: int, buyer: Buyer, form_token: str, variant_id: int | None = None
) -> tuple[PreOrder, bool]:
    """Reserve units for a buyer (of the variant chosen, for a product with variants: the
    campaign's cap and per-buyer limit count all its variants together); returns the
    pre-order and whether it was made just now (a resubmitted form gets the one its token
    already made)."""
    try:
        with transaction.atomic():
            existing = PreOrder.objects.filter(form_token=form_token).first()
            if existing is not None:
                return existing, False
            product = Product.objects.get(pk=product_id)
            check_on_offer(product)
            if product.preorder_charge_mode in STRIPE_MODES and not payments.is_configured():
                raise PreOrderError(
                    "Payments are not set up on this site yet, so this pre-order cannot be paid "
                    "for. Nothing was reserved; please come back soon."
                )
            variant = None
            if product.has_variants:
                variant = product.variants.filter(pk=variant_id).first()
                if variant is None:
                    raise PreOrderError(
                        f"Please choose the {product.option_label.lower()}.", "variant"
                    )
            # An early word on the cap and the limit, as far as they are known without the lock
            # (the buyer's own pre-orders are counted once, under it, below).
            check_quantity(product, quantity, already=0)
            zone = shipping.zone_for_country(buyer.country)
            if zone is None:
                raise PreOrderError(
                    f"We do not deliver to {countries.country_name(buyer.country)}. "
                    "Nothing was reserved.",
                    "country",
                )
            unit_price = product.price if variant is None else variant.unit_price
            preorder = PreOrder(
                form_token=form_token,
                product=product,
                variant=variant,
                variant_name=variant.name if variant else "",
                quantity=quantity,
                unit_price=unit_price,
                shipping=shipping.shipping_cost(
                    zone, [product.shipping_class], unit_price * quantity
                ),
                currency=product.currency,
                charge_mode=product.preorder_charge_mode,
                status=FIRST_STATUS[product.preorder_charge_mode],
                name=buyer.name,
                email=buyer.email,
                address_line1=buyer.address_line1,
                address_line2=buyer.address_line2,
                city=buyer.city,
                postcode=buyer.postcode,
                country=buyer.country,
                note=buyer.note,
                release_date_notified_for=product.release_date,  # the date the form showed
                vat_number=vat.seller_vat_number(),
            )
            if preorder.vat_number:
                preorder.record_vat_with_delivery(product.vat_rate)
            preorder.save()
            if preorder.status == PreOrder.Status.RESERVED:
                emails.queue("preorder_confirmation", preorder)
                emails.queue("staff_new_preorder", preorder)
            # Now the campaign's row, as it is when our turn comes: the checks that count
            # units are made again under its lock, and the counter updated. (No key update:
            # the pre-order just written holds a key-share lock on the row, as every other
            # buyer's does, and those must not wait on each other.)
            product = Product.objects.select_for_update(no_key=True).get(pk=product_id)
            check_on_offer(product)
            check_quantity(product, quantity, held_by(product, buyer.email, excluding=preorder))
            Product.objects.filter(pk=product.pk).update_what_is_left(
                preorder_reserved=F("preorder_reserved") + quantity
            )
    except IntegrityError:
        # The same token raced in on another connection and won: that pre-order is this one.
        return PreOrder.objects.get(form_token=form_token), False
    return preorder, True


def send_to_stripe(request: HttpRequest, preorder: PreOrder) -> str:
    """The Stripe page where the buyer pays (charge now, or after release) or saves their card
    (charge on release); returns its URL. If Stripe cannot be reached when the pre-order is
    first placed, the pre-order is cancelled and its units given back."""
    if preorder.status not in NEEDS_STRIPE:
        raise PreOrderError("This pre-order needs nothing more from you.")
    success = request.build_absolute_uri(reverse("shop:checkout_success"))
    details = payments.PaymentRequest(
        kind="preorder",
        reference=preorder.reference,
        email=preorder.email,
        currency=preorder.currency,
        lines=[
            payments.LineItem(
                f"Pre-order: {preorder.title}", preorder.unit_price, preorder.quantity
            )
        ],
        success_url=success + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=request.build_absolute_uri(preorder.get_absolute_url()),
        shipping_amount=preorder.shipping,
        shipping_label="Delivery",
        attempt="-after-release" if preorder.status == PreOrder.Status.PAYMENT_NEEDED else "",
    )
    try:
        if preorder.status == PreOrder.Status.AWAITING_CARD:
            session = payments.create_card_setup_session(details)
        else:
            session = payments.create_checkout_session(details)
    except payments.PaymentError as error:
        if preorder.status != PreOrder.Status.PAYMENT_NEEDED:
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
            preorder.transition_to(PreOrder.Status.CANCELLED)
    return preorder


@dataclass
class ReleaseSummary:
    to_charge: int = 0  # saved cards whose charge was queued
    links_sent: int = 0  # reserved pre-orders asked to pay
    settled: int = 0  # already paid, asked to pay, or shipped: nothing to do

    def __str__(self) -> str:
        return (
            f"{self.to_charge} saved card{'s' if self.to_charge != 1 else ''} queued to charge, "
            f"{self.links_sent} payment link{'s' if self.links_sent != 1 else ''} sent, "
            f"{self.settled} already settled"
        )


class ReleaseError(PreOrderError):
    pass


def release(product: Product) -> ReleaseSummary:
    """Release day for one product: the campaign becomes released and the product goes on
    sale; reserved pre-orders are asked to pay (an email with their link) and one background
    task per saved card is queued to charge it. No Stripe call is made here, so releasing a
    campaign of thousands takes one short request. Safe to run again: charges still due are
    queued again, and each charge's idempotency key means Stripe never takes one twice."""
    summary = ReleaseSummary()
    with transaction.atomic():
        product = Product.objects.select_for_update(no_key=True).get(pk=product.pk)
        if product.status != Product.Status.PRE_ORDER and product.released_at is None:
            raise ReleaseError(
                f"“{product.title}” is not on pre-order, so there is nothing to release."
            )
        if product.released_at is None:
            Product.objects.filter(pk=product.pk).update_and_retire_pages(
                released_at=timezone.now(), status=Product.Status.ON_SALE, preorder_open=False
            )
        waiting = PreOrder.objects.select_for_update().filter(
            product=product, status__in=PreOrder.HOLDS_UNITS
        )
        for preorder in waiting.order_by("created_at"):
            if preorder.status == PreOrder.Status.RESERVED:
                preorder.transition_to(PreOrder.Status.PAYMENT_NEEDED)
                summary.links_sent += 1
            elif preorder.status == PreOrder.Status.CARD_SAVED:
                tasks.enqueue_on_commit(tasks.charge_at_release, preorder.pk)
                summary.to_charge += 1
            else:
                summary.settled += 1
    return summary


def charge_at_release(preorder_pk: int) -> payments.Outcome | None:
    """Charge one saved card for its released pre-order (a background task, one per
    pre-order): PAID, or FAILED when the buyer must act (they are asked to pay), or None when
    there was nothing to charge. Stripe is called outside any transaction; its idempotency key
    makes a rerun after a crash get the first answer back. Raises PaymentError when Stripe
    cannot be reached, for the task to retry."""
    preorder = PreOrder.objects.select_related("product").get(pk=preorder_pk)
    if preorder.status != PreOrder.Status.CARD_SAVED or preorder.product.released_at is None:
        return None
    result = payments.charge_saved_card(
        customer=preorder.stripe_customer_id,
        payment_method=preorder.stripe_payment_method_id,
        amount=preorder.total,
        currency=preorder.currency,
        reference=preorder.reference,
        idempotency_key=f"release-{preorder.reference}",
    )
    with transaction.atomic():
        preorder = PreOrder.objects.select_for_update().get(pk=preorder_pk)
        if result.outcome == payments.Outcome.PAID:
            if preorder.can_become(PreOrder.Status.PAID):
                preorder.transition_to(PreOrder.Status.PAID, payment=result.payment)
        elif preorder.can_become(PreOrder.Status.PAYMENT_NEEDED):
            preorder.transition_to(PreOrder.Status.PAYMENT_NEEDED, reason=result.reason)
    return result.outcome


def release_progress(product: Product) -> dict[str, int]:
    """How a released campaign stands, for its page: pre-orders by what still has to happen."""
    counts = dict(
        PreOrder.objects.filter(product=product).values_list("status").annotate(n=Count("pk"))
    )
    return {
        "charging": counts.get(PreOrder.Status.CARD_SAVED, 0),
        "needs_buyer": counts.get(PreOrder.Status.PAYMENT_NEEDED, 0),
        "paid": counts.get(PreOrder.Status.PAID, 0),
        "shipped": counts.get(PreOrder.Status.SHIPPED, 0),
    }


ADDRESS_FIELDS = ("name", "address_line1", "address_line2", "city", "postcode", "country")


def cancel_by_buyer(preorder_pk: int) -> PreOrder:
    """The buyer cancels (before release, or after it while still unpaid): units go back to
    the campaign, and a payment already taken is refunded in full through Stripe first (so a
    failed refund leaves it as it was)."""
    preorder = PreOrder.objects.select_related("product").get(pk=preorder_pk)
    if not preorder.may_cancel:
        raise PreOrderError(
            "This pre-order can no longer be cancelled here. Please reply to your confirmation "
            "email and we'll help."
        )
    refund_id = ""
    if preorder.status == PreOrder.Status.PAID:
        try:
            # Only this pre-order's share: bought in a basket, its payment also paid the rest
            # of the order.
            refund_id = payments.refund_payment(
                preorder.stripe_payment_intent_id,
                idempotency_key=f"preorder-refund-{preorder.reference}",
                amount=preorder.total,
            )
        except payments.PaymentError as error:
            raise PreOrderError(
                "We could not refund your payment just now, so your pre-order is unchanged. "
                "Please try again in a few minutes."
            ) from error
    with transaction.atomic():
        preorder = PreOrder.objects.select_for_update().get(pk=preorder_pk)
        target = PreOrder.Status.REFUNDED if refund_id else PreOrder.Status.CANCELLED
        if preorder.can_become(target):
            preorder.transition_to(target)
    return preorder


def update_address(preorder_pk: int, address: dict) -> PreOrder:
    """Change where a pre-order goes, until release. The delivery charge stays as agreed."""
    with transaction.atomic():
        preorder = (
            PreOrder.objects.select_for_update(no_key=True)
            .select_related("product")
            .get(pk=preorder_pk)
        )
        if not preorder.can_be_changed_by_buyer:
            raise PreOrderError("This pre-order's address can no longer be changed here.")
        if shipping.zone_for_country(address["country"]) != shipping.zone_for_country(
            preorder.country
        ):
            raise PreOrderError(
                "Moving a pre-order to another delivery region changes its delivery charge; "
                "please cancel it and pre-order again, or email us.",
                "country",
            )
        for name in ADDRESS_FIELDS:
            setattr(preorder, name, address[name])
        preorder.save()
    return preorder


def change_release_date(product: Product, new_date: date) -> int:
    """Move a product's release date and queue an email to every buyer still waiting for it,
    once per new date (running it again with the same date emails nobody). Returns how many
    buyers will be told."""
    with transaction.atomic():
        Product.objects.filter(pk=product.pk).update_and_retire_pages(release_date=new_date)
        waiting = PreOrder.objects.filter(
            product=product, status__in=PreOrder.HOLDS_UNITS - {PreOrder.Status.SHIPPED}
        ).exclude(release_date_notified_for=new_date)
        to_tell = list(waiting.values_list("pk", flat=True))
        for pk in to_tell:
            emails.queue("preorder_release_date_changed", pk)
    return len(to_tell)


def dashboard_rows():
    """Per pre-order product: units and money taken, and still to take (one query)."""
    amount = ExpressionWrapper(
        F("preorders__unit_price") * F("preorders__quantity") + F("preorders__shipping"),
        output_field=IntegerField(),
    )
    to_collect = [
        PreOrder.Status.CARD_SAVED,
        PreOrder.Status.RESERVED,
        PreOrder.Status.PAYMENT_NEEDED,
        PreOrder.Status.AWAITING_PAYMENT,
        PreOrder.Status.AWAITING_CARD,
    ]
    # Paid and still paid: a parcel sent keeps its money; a refund gives it back.
    taken = [PreOrder.Status.PAID, PreOrder.Status.SHIPPED]
    live = Q(preorders__status__in=PreOrder.HOLDS_UNITS)
    return (
        Product.objects.on_pre_order()
        .annotate(
            live_preorders=Count("preorders", filter=live),
            units=Sum("preorders__quantity", filter=live),
            taken=Sum(amount, filter=Q(preorders__status__in=taken)),
            to_take=Sum(amount, filter=Q(preorders__status__in=to_collect)),
            needs_action=Count(
                "preorders", filter=Q(preorders__status=PreOrder.Status.PAYMENT_NEEDED)
            ),
        )
        .order_by("title")
    )


def mark_shipped(product: Product, lines: str) -> tuple[list[str], list[str]]:
    """Mark paid pre-orders shipped from lines of "reference tracking-number" (as pasted from
    a courier's sheet); each buyer is emailed once. Returns (shipped references, problems);
    a bad line is reported and skipped, never half-applied."""
    shipped, problems = [], []
    for number, raw in enumerate(lines.splitlines(), start=1):
        parts = raw.replace(",", " ").split()
        if not parts:
            continue
        if len(parts) != 2:
            problems.append(f"Line {number}: expected a reference and a tracking number.")
            continue
        reference, tracking = parts[0].upper(), parts[1]
        with transaction.atomic():
            preorder = (
                PreOrder.objects.select_for_update()
                .filter(product=product, reference=reference)
                .first()
            )
            if preorder is None:
                problems.append(f"Line {number}: no pre-order {reference} for {product.title}.")
                continue
            if not preorder.can_become(PreOrder.Status.SHIPPED):
                problems.append(
                    f"Line {number}: {reference} is {preorder.get_status_display().lower()}, "
                    "not paid, so it was not marked shipped."
                )
                continue
            preorder.transition_to(PreOrder.Status.SHIPPED, tracking_number=tracking)
        shipped.append(reference)
    return shipped, problems
