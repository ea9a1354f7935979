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
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count, ExpressionWrapper, F, IntegerField, Q, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from shop import countries, payments, shipping, tasks
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
            if product.preorder_charge_mode in STRIPE_MODES and not payments.is_configured():
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
                status=FIRST_STATUS[product.preorder_charge_mode],
                name=buyer.name,
                email=buyer.email,
                address_line1=buyer.address_line1,
                address_line2=buyer.address_line2,
                city=buyer.city,
                postcode=buyer.postcode,
                country=buyer.country,
                note=buyer.note,
            )
            Product.objects.filter(pk=product.pk).update_and_retire_pages(
                preorder_reserved=F("preorder_reserved") + quantity
            )
            if preorder.status == PreOrder.Status.RESERVED:
                tasks.enqueue_on_commit(tasks.send_preorder_emails, preorder.pk)
    except IntegrityError:
        # The same token raced in on another connection and won: that pre-order is this one.
        return PreOrder.objects.get(form_token=form_token), False
    return preorder, True


def _give_back_units(preorder: PreOrder) -> None:
    """Put the pre-order's units back in the campaign, once. Call holding the pre-order."""
    if preorder.units_released:
        return
    Product.objects.filter(pk=preorder.product_id).update_and_retire_pages(
        preorder_reserved=F("preorder_reserved") - preorder.quantity
    )
    preorder.units_released = True


def send_to_stripe(request: HttpRequest, preorder: PreOrder) -> str:
    """The Stripe page where the buyer pays (charge now, or after release) or saves their card
    (charge on release); returns its URL. If Stripe cannot be reached when the pre-order is
    first placed, the pre-order is cancelled and its units given back."""
    if preorder.status not in NEEDS_STRIPE:
        raise PreOrderError("This pre-order needs nothing more from you.")
    success = request.build_absolute_uri(reverse("shop:preorder_paid"))
    details = payments.PaymentRequest(
        kind="preorder",
        reference=preorder.reference,
        email=preorder.email,
        currency=preorder.currency,
        lines=[
            payments.LineItem(
                f"Pre-order: {preorder.product.title}", preorder.unit_price, preorder.quantity
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
            preorder.status = PreOrder.Status.CANCELLED
            _give_back_units(preorder)
            preorder.save()
    return preorder


def apply_checkout_session(
    session: payments.CheckoutSession, event_type: str | None = None
) -> PreOrder | None:
    """Bring a pre-order in line with its Checkout Session (paid, card saved, or expired);
    idempotent."""
    saved_card = ""
    if session.mode == "setup" and session.status == "complete" and session.setup_intent:
        saved_card = payments.saved_payment_method(session.setup_intent)  # before taking locks
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
        card_saved = session.mode == "setup" and session.status == "complete"
        if expired and preorder.can_become(PreOrder.Status.EXPIRED):
            preorder.status = PreOrder.Status.EXPIRED
            _give_back_units(preorder)
        elif card_saved and preorder.can_become(PreOrder.Status.CARD_SAVED):
            preorder.status = PreOrder.Status.CARD_SAVED
            preorder.stripe_customer_id = session.customer
            preorder.stripe_payment_method_id = saved_card
            tasks.enqueue_on_commit(tasks.send_preorder_emails, preorder.pk)
        elif session.is_paid and preorder.can_become(PreOrder.Status.PAID):
            paid_after_release = preorder.status == PreOrder.Status.PAYMENT_NEEDED
            preorder.status = PreOrder.Status.PAID
            preorder.paid_at = timezone.now()
            preorder.stripe_payment_intent_id = session.payment_intent
            send = tasks.send_preorder_paid if paid_after_release else tasks.send_preorder_emails
            tasks.enqueue_on_commit(send, preorder.pk)
        else:
            return preorder
        preorder.save()
    return preorder


@dataclass
class ReleaseSummary:
    charged: int = 0
    needs_action: int = 0
    failed: int = 0
    links_sent: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return (
            f"{self.charged} charged, {self.needs_action} need the buyer to act, "
            f"{self.failed} could not be tried (will retry), {self.links_sent} sent a payment "
            f"link, {self.skipped} already done"
        )


def release(product: Product, progress=None) -> ReleaseSummary:
    """Release day for one product: charge every saved card off-session and send payment links
    to pre-orders reserved without a card. Safe to run again after a crash or a Stripe outage:
    pre-orders already settled are skipped, and each charge carries an idempotency key per
    pre-order, so Stripe answers a repeat with the first result instead of charging twice."""
    summary = ReleaseSummary()
    settled = {PreOrder.Status.PAID, PreOrder.Status.PAYMENT_NEEDED, PreOrder.Status.SHIPPED}
    candidates = list(
        PreOrder.objects.filter(product=product, status__in=PreOrder.HOLDS_UNITS)
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    for number, pk in enumerate(candidates, start=1):
        preorder = PreOrder.objects.get(pk=pk)  # fresh: a rerun must see what the last run did
        if preorder.status in settled:
            summary.skipped += 1
        elif preorder.status == PreOrder.Status.RESERVED:
            _ask_for_payment(preorder.pk, "")
            summary.links_sent += 1
        elif preorder.status == PreOrder.Status.CARD_SAVED:
            try:
                result = payments.charge_saved_card(
                    customer=preorder.stripe_customer_id,
                    payment_method=preorder.stripe_payment_method_id,
                    amount=preorder.total,
                    currency=preorder.currency,
                    reference=preorder.reference,
                    idempotency_key=f"release-{preorder.reference}",
                )
            except payments.PaymentError:
                summary.failed += 1
            else:
                if result.succeeded:
                    _record_release_charge(preorder.pk, result.payment_intent)
                    summary.charged += 1
                else:
                    _ask_for_payment(preorder.pk, result.reason)
                    summary.needs_action += 1
        if progress:
            preorder.refresh_from_db(fields=["status"])  # report the outcome, not the start
            progress(number, len(candidates), preorder)
    return summary


def _record_release_charge(preorder_pk: int, payment_intent: str) -> None:
    with transaction.atomic():
        preorder = PreOrder.objects.select_for_update().get(pk=preorder_pk)
        if preorder.can_become(PreOrder.Status.PAID):
            preorder.status = PreOrder.Status.PAID
            preorder.paid_at = timezone.now()
            preorder.stripe_payment_intent_id = payment_intent
            preorder.save()
            tasks.enqueue_on_commit(tasks.send_preorder_paid, preorder.pk)


def _ask_for_payment(preorder_pk: int, reason: str) -> None:
    with transaction.atomic():
        preorder = PreOrder.objects.select_for_update().get(pk=preorder_pk)
        if preorder.can_become(PreOrder.Status.PAYMENT_NEEDED):
            preorder.status = PreOrder.Status.PAYMENT_NEEDED
            preorder.payment_problem = reason
            preorder.stripe_session_id = None
            preorder.stripe_session_url = ""
            preorder.save()
            tasks.enqueue_on_commit(tasks.send_payment_needed, preorder.pk)


ADDRESS_FIELDS = ("name", "address_line1", "address_line2", "city", "postcode", "country")


def cancel_by_buyer(preorder_pk: int) -> PreOrder:
    """The buyer cancels before release: units go back to the campaign, and a payment already
    taken is refunded in full through Stripe first (so a failed refund leaves it as it was)."""
    preorder = PreOrder.objects.select_related("product").get(pk=preorder_pk)
    if not preorder.can_be_changed_by_buyer:
        raise PreOrderError(
            "This pre-order can no longer be cancelled here. Please reply to your confirmation "
            "email and we'll help."
        )
    refund_id = ""
    if preorder.status == PreOrder.Status.PAID:
        try:
            refund_id = payments.refund_payment(
                preorder.stripe_payment_intent_id,
                idempotency_key=f"preorder-refund-{preorder.reference}",
            )
        except payments.PaymentError as error:
            raise PreOrderError(
                "We could not refund your payment just now, so your pre-order is unchanged. "
                "Please try again in a few minutes."
            ) from error
    with transaction.atomic():
        preorder = PreOrder.objects.select_for_update().get(pk=preorder_pk)
        target = PreOrder.Status.REFUNDED if refund_id else PreOrder.Status.CANCELLED
        if not preorder.can_become(target):
            return preorder
        preorder.status = target
        _give_back_units(preorder)
        preorder.save()
        tasks.enqueue_on_commit(tasks.send_preorder_cancelled, preorder.pk)
    return preorder


def update_address(preorder_pk: int, address: dict) -> PreOrder:
    """Change where a pre-order goes, until release. The delivery charge stays as agreed."""
    with transaction.atomic():
        preorder = (
            PreOrder.objects.select_for_update().select_related("product").get(pk=preorder_pk)
        )
        if not preorder.can_be_changed_by_buyer:
            raise PreOrderError("This pre-order's address can no longer be changed here.")
        if countries.region_for(address["country"]) != countries.region_for(preorder.country):
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
            tasks.enqueue_on_commit(tasks.send_release_date_changed, pk, new_date.isoformat())
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
    live = Q(preorders__status__in=PreOrder.HOLDS_UNITS)
    return (
        Product.objects.on_pre_order()
        .annotate(
            live_preorders=Count("preorders", filter=live),
            units=Sum("preorders__quantity", filter=live),
            taken=Sum(amount, filter=Q(preorders__status=PreOrder.Status.PAID)),
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
            preorder.status = PreOrder.Status.SHIPPED
            preorder.tracking_number = tracking
            preorder.shipped_at = timezone.now()
            preorder.save()
            tasks.enqueue_on_commit(tasks.send_preorder_shipped, preorder.pk)
        shipped.append(reference)
    return shipped, problems
