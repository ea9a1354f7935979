"""Checkout: from a basket to a paid order.

Invariants:
- stock is taken when checkout starts, under row locks on the products in one transaction, so
  two buyers can never both take the last unit; it is given back exactly once if the order
  ends unpaid (cancelled, expired or failed);
- an order is priced from the database only; the Checkout Session is built from the order;
- if Stripe cannot open the session, nothing is left behind: no order, no stock taken;
- every way of learning a payment's outcome (webhook, success page, retry) goes through
  `shop.settlement.settle`, which is safe to call any number of times in any order;
- an order's status changes only through `transition_to`, which gives stock back when the
  order ends unpaid and queues the confirmation emails when it is paid.
"""

from __future__ import annotations

import logging
from collections import Counter

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse

from shop import basket as baskets
from shop import discounts, payments, preorders, settlement, stock_alerts, vat
from shop.models import Order, OrderLine, PreOrder, PreOrderChargeMode, Product, ProductVariant

logger = logging.getLogger(__name__)


EMAIL_MAX_LENGTH = Order._meta.get_field("email").max_length


class CheckoutError(Exception):
    """Checkout could not start; `message` tells the buyer why. Their basket is unchanged."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def start_checkout(request: HttpRequest, email: str, seen_due: str | None = None) -> str:
    """Create the order, take its stock and open a Stripe Checkout Session; returns the URL
    to send the buyer to. `seen_due` is the amount the buyer's Pay button showed (in pence):
    if the basket now costs something else (a discount code ran out, a price changed), they
    are shown the new total before being sent to pay it."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise CheckoutError("Please enter a valid email address for your receipt.") from exc
    if len(email) > EMAIL_MAX_LENGTH:  # valid addresses run to 320 characters; orders keep 254
        raise CheckoutError(
            f"Please enter an email address of at most {EMAIL_MAX_LENGTH} characters "
            "for your receipt."
        )
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
    if summary.zone is None:
        raise CheckoutError(
            "The shop has not yet said where it delivers, so orders cannot be taken. "
            "Your basket is kept; please come back soon."
        )
    if summary.delivery_problem:
        raise CheckoutError(summary.delivery_problem)
    if seen_due is not None and seen_due.strip() != str(summary.due_now):
        if summary.discount_problem:
            raise CheckoutError(
                f"{summary.discount_problem} Your basket now shows the price without it."
            )
        raise CheckoutError(
            f"The amount to pay has changed since you saw it: it is now "
            f"{summary.due_now_display}. Nothing was charged; please check your basket."
        )

    order = create_order_taking_stock(summary, email)
    success_url = request.build_absolute_uri(reverse("shop:checkout_success"))
    cancel_url = request.build_absolute_uri(
        reverse("shop:checkout_cancel", args=[order.reference, order.access_token])
    )
    request_to_pay = payments.PaymentRequest(
        kind="order",
        reference=order.reference,
        email=order.email,
        currency=order.currency,
        lines=[_payment_item(order, line) for line in order.lines.all()]
        + [
            payments.LineItem(f"Pre-order: {p.title}", p.unit_price, p.quantity)
            for p in order.preorders.select_related("product")
            if p.charge_mode == PreOrderChargeMode.CHARGE_NOW
        ],
        success_url=success_url + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=cancel_url,
        shipping_amount=order.shipping,
        shipping_label=f"Delivery: {summary.zone.name}",
        collect_address_in=summary.zone.countries,  # none for collection: no address asked
        save_card=order.preorders.filter(charge_mode=PreOrderChargeMode.CHARGE_ON_RELEASE).exists(),
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
    """Create the order, taking stock for items on sale and campaign units for pre-orders, all
    or nothing: the products are locked in id order (so concurrent checkouts and pre-orders
    cannot deadlock) before stock or units are read, and the basket is priced again from the
    products as locked, not from the page the buyer saw."""
    views = summary.lines
    with transaction.atomic():
        # Every lock on a product row is "no key update" (no one changes a product's id): a
        # pre-order being placed holds a key-share lock on its product (its foreign key) while
        # it waits for the row, and a plain FOR UPDATE here would wait on it in turn.
        locked = {
            product.pk: product
            for product in Product.objects.select_for_update(no_key=True)
            .filter(pk__in=[view.product.pk for view in views])
            .order_by("pk")
        }
        # Variants' units change only under their product's lock, so these are current too.
        variants = ProductVariant.objects.in_bulk(
            [view.line.variant_id for view in views if view.line.variant_id]
        )
        # A campaign's cap and per-buyer limit count all its variants in the basket together.
        campaign_units = Counter()
        for view in views:
            campaign_units[view.product.pk] += view.line.quantity
        for view in views:
            product = locked.get(view.product.pk)
            if product is None:
                raise CheckoutError("Sorry, an item in your basket is no longer available.")
            view.line.product = product  # what is true now decides
            if view.line.variant_id is not None:
                view.line.variant = variants.get(view.line.variant_id)
                if view.line.variant is None:
                    raise CheckoutError("Sorry, an item in your basket is no longer available.")
            if product.status == Product.Status.PRE_ORDER:
                _check_campaign(product, campaign_units[product.pk], email)
            else:
                _check_stock(view.line)
        code = None
        if summary.discount:  # the code the buyer saw applied: claim one use of it
            try:
                code = discounts.claim(summary.discount_code.pk)
            except discounts.DiscountError as error:
                raise CheckoutError(error.message) from error
        priced = baskets.price(summary.basket, views, summary.zone, code)
        if priced.due_now == 0 and code is not None:
            raise CheckoutError(
                f"With the code {code.code} there is nothing left to pay, and a payment of "
                "nothing cannot be taken online: please get in touch with us to place this order."
            )
        if priced.due_now == 0:
            raise CheckoutError(
                "Nothing in your basket is paid today, so there is nothing to pay for here: "
                "please place these pre-orders on the Pre-Order Form, which takes the address "
                "they go to."
            )
        vat_number = vat.seller_vat_number()
        paid_now = [view for view in views if view.paid_at_checkout]
        order = Order.objects.create(
            email=email,
            currency=priced.currency,
            subtotal=sum(view.line.line_total for view in paid_now),
            discount_code=code,
            discount_label=code.code if code else "",
            discount=priced.discount,
            shipping=priced.due_now - sum(view.paid for view in paid_now),
            total=priced.due_now,
            shipping_region=priced.zone.code,
            collect_from=priced.zone.collection_details if priced.zone.collection else "",
            vat_number=vat_number,
            shipping_vat=_delivery_vat(priced) if vat_number else 0,
            basket=summary.basket,
        )
        for view in priced.in_stock_lines:
            _take_stock(order, view)
        for view in priced.preorder_lines:
            _take_campaign_units(order, view, email)
    return order


def _delivery_vat(priced: baskets.BasketSummary) -> int:
    """The VAT in what the order charges for delivery: the items in stock's one charge, split
    between their rates by value, and the delivery of each pre-order paid now, at its rate."""
    in_stock = [(view.product.vat_rate, view.paid) for view in priced.in_stock_lines]
    return vat.on_delivery(priced.in_stock_shipping, in_stock) + sum(
        vat.on_delivery(view.shipping, [(view.product.vat_rate, view.line.line_total)])
        for view in priced.preorder_lines
        if view.paid_at_checkout
    )


def _check_stock(line) -> None:
    """The line's product is on sale with its quantity in stock (its variant's, if it has
    one)."""
    product, quantity, title = line.product, line.quantity, line.title
    if product.status != Product.Status.ON_SALE:
        raise CheckoutError(f"Sorry, “{product.title}” is no longer available.")
    stock = product.stock if line.variant is None else line.variant.stock
    if stock == 0:
        raise CheckoutError(f"Sorry, “{title}” has just sold out.")
    if stock is not None and stock < quantity:
        raise CheckoutError(
            f"Sorry, only {stock} of “{title}” left. Please lower the quantity in your basket."
        )


def _check_campaign(product: Product, quantity: int, email: str) -> None:
    """The pre-order rules, exactly as the Pre-Order Form applies them: the campaign is open,
    within its cap, and within the buyer's limit counting what they already hold."""
    if not product.preorder_open:
        raise CheckoutError(f"Sorry, pre-orders for “{product.title}” have closed.")
    try:
        preorders.check_quantity(product, quantity, preorders.held_by(product, email))
    except preorders.PreOrderError as error:
        raise CheckoutError(error.message) from error


def _take_stock(order: Order, view: baskets.LineView) -> None:
    product, variant, quantity = view.product, view.line.variant, view.line.quantity
    if variant is not None and variant.stock is not None:
        taken = ProductVariant.objects.filter(pk=variant.pk)
        taken.update(stock=F("stock") - quantity)
        stock_alerts.variant_stock_changed(taken)
    if product.stock is not None:  # with variants, their sum
        Product.objects.filter(pk=product.pk).update_what_is_left(stock=F("stock") - quantity)
    line = OrderLine(
        order=order,
        product=product,
        variant=variant,
        sku=(variant.sku or "") if variant else "",
        title=view.line.title,
        unit_price=view.line.unit_price,
        quantity=quantity,
        discount=view.discount,
    )
    if order.vat_number:
        line.record_vat(product.vat_rate, line.paid)
    line.save()


def _payment_item(order: Order, line: OrderLine) -> payments.LineItem:
    """The line as Stripe's page lists it, at what it costs after the order's discount. Stripe
    prices a line per unit, so a discount that does not share evenly between the units is
    shown as one item for the whole line, to keep Stripe's total to the penny."""
    if not line.discount:
        return payments.LineItem(line.title, line.unit_price, line.quantity)
    title = f"{line.title} (with code {order.discount_label})"
    if line.paid % line.quantity == 0:
        return payments.LineItem(title, line.paid // line.quantity, line.quantity)
    return payments.LineItem(f"{line.quantity} × {title}", line.paid, 1)


def _take_campaign_units(order: Order, view: baskets.LineView, email: str) -> None:
    """A pre-order bought with the order: it holds its units now and is settled with the
    order (paid with it, its card saved, or reserved), then lives its campaign's life."""
    product, quantity = view.product, view.line.quantity
    Product.objects.filter(pk=product.pk).update_what_is_left(
        preorder_reserved=F("preorder_reserved") + quantity
    )
    variant = view.line.variant
    preorder = PreOrder(
        order=order,
        form_token=f"order:{order.reference}:{product.pk}" + (f":{variant.pk}" if variant else ""),
        product=product,
        variant=variant,
        variant_name=variant.name if variant else "",
        quantity=quantity,
        unit_price=view.line.unit_price,
        shipping=view.shipping,
        currency=product.currency,
        charge_mode=product.preorder_charge_mode,
        status=PreOrder.Status.AWAITING_CHECKOUT,
        email=email,
        vat_number=order.vat_number,
    )
    if order.vat_number:
        preorder.record_vat_with_delivery(product.vat_rate)
    preorder.save()


def _discard_unstarted_order(order: Order) -> None:
    """Stripe never opened a session for this order: give its stock and its pre-orders' units
    back, and delete it with them."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        order.give_back_stock()
        for preorder in order.preorders.select_for_update():
            preorder.give_back_units()
            preorder.delete()
        order.delete()


def cancel_checkout(order: Order, *, by_staff: bool = False) -> None:
    """The buyer came back from Stripe without paying (or staff cancel the order, `by_staff`):
    close the session so it can't be paid later, and give the stock back. If Stripe says it was
    paid after all, record that instead. If Stripe cannot be asked, the order stays as it is (a
    session that might still be paid is never cancelled here); it is closed on the next try or
    settled when the session expires. Only a cancellation by staff is emailed to the buyer."""
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
    if session is not None and session.finished:
        settlement.settle(session)
        return
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.can_become(Order.Status.CANCELLED):
            order.cancelled_by_staff = by_staff
            order.transition_to(Order.Status.CANCELLED)
