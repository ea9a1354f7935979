"""A made-up order, pre-order and refund for previewing every kind of email before any buyer
exists: built in memory from the catalogue's own products (so their pictures show), never
saved, and written with the names that break careless emails (an apostrophe, accents)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from shop import emails
from shop.models import (
    Order,
    OrderLine,
    PreOrder,
    PreOrderChargeMode,
    Product,
    Refund,
    RefundLine,
)

BUYER = "Siobhán O'Reilly-Müller"
BUYER_EMAIL = "siobhan@example.com"
ADDRESS = {
    "line1": "Flat 2, 14 Ordsall Lane",
    "line2": "Regent's Wharf",
    "city": "Salford",
    "state": "Greater Manchester",
    "postal_code": "M5 4WT",
    "country": "GB",
}
COLLECT_FROM = "Quire Books, 12 Chapel Street, Salford M3 5JZ\nMonday to Friday, 10:00 to 16:00"
PRE_ORDER_KINDS = {
    "preorder_confirmation": (PreOrder.Status.RESERVED, PreOrderChargeMode.RESERVE),
    "preorder_card_saved": (PreOrder.Status.CARD_SAVED, PreOrderChargeMode.CHARGE_ON_RELEASE),
    "staff_new_preorder": (PreOrder.Status.CARD_SAVED, PreOrderChargeMode.CHARGE_ON_RELEASE),
    "preorder_paid_on_release": (PreOrder.Status.PAID, PreOrderChargeMode.CHARGE_ON_RELEASE),
    "preorder_payment_needed": (PreOrder.Status.PAYMENT_NEEDED, PreOrderChargeMode.RESERVE),
    "preorder_cancelled": (PreOrder.Status.REFUNDED, PreOrderChargeMode.CHARGE_NOW),
    "preorder_release_date_changed": (PreOrder.Status.PAID, PreOrderChargeMode.CHARGE_NOW),
    "preorder_shipped": (PreOrder.Status.SHIPPED, PreOrderChargeMode.CHARGE_NOW),
}


# The order's state each order kind is shown in (paid at once otherwise), and whether its
# payment was a delayed one. The demo's cancellation is a failed bank payment; a real order
# cancelled by staff previews the other wording.
ORDER_KINDS = {
    "order_processing": (Order.Status.PROCESSING, True),
    "order_paid_after_delay": (Order.Status.PAID, True),
    "order_cancelled": (Order.Status.PAYMENT_FAILED, True),
    "order_shipped": (Order.Status.SHIPPED, False),
    "order_ready_to_collect": (Order.Status.READY_TO_COLLECT, False),
}
# What a pre-order bought with the order is while the order's payment clears, or once it failed.
PRE_ORDER_IN_ORDER = {
    Order.Status.PROCESSING: PreOrder.Status.AWAITING_CHECKOUT,
    Order.Status.PAYMENT_FAILED: PreOrder.Status.EXPIRED,
}


def _products() -> tuple[list[Product], Product]:
    """Two things on sale and one on pre-order from the catalogue, or made-up ones."""
    catalogue = Product.objects.visible().select_related("cover_image")
    on_sale = list(catalogue.filter(status=Product.Status.ON_SALE).order_by("pk")[:2])
    if not on_sale:
        on_sale = [Product(title="Tote bag printed with the gasworks skyline", price=1200)]
    on_pre_order = catalogue.on_pre_order().order_by("pk").first() or Product(
        title="Dirty Old Town: a hundred years of ordinary buildings", price=1850
    )
    if on_pre_order.release_date is None:
        on_pre_order.release_date = date.today() + timedelta(days=90)
    return on_sale, on_pre_order


def demo_order(
    status: str = Order.Status.PAID, paid_after_a_delay: bool = False
) -> tuple[Order, dict]:
    on_sale, on_pre_order = _products()
    now = timezone.now()
    order = Order(
        reference="Q-DEMO2345",
        access_token="demo",
        status=status,
        email=BUYER_EMAIL,
        shipping_name=BUYER,
        shipping_address=ADDRESS,
        shipping_region="uk",
        shipping=395,
        processing_at=now - timedelta(days=3) if paid_after_a_delay else None,
        paid_at=now if status in Order.PAID_STATUSES else None,
        tracking_number="RM123456785GB" if status == Order.Status.SHIPPED else "",
    )
    lines = [
        OrderLine(
            order=order,
            product=product,
            title=product.title,
            unit_price=product.price,
            quantity=quantity,
        )
        for product, quantity in zip(on_sale, (2, 1), strict=False)
    ]
    preorder = demo_preorder(
        PRE_ORDER_IN_ORDER.get(status, PreOrder.Status.RESERVED),
        PreOrderChargeMode.RESERVE,
        on_pre_order,
    )
    preorder.order = order
    preorders = [preorder]
    if status == Order.Status.READY_TO_COLLECT:  # collected in person: nothing posted
        order.collect_from = COLLECT_FROM
        order.shipping_region, order.shipping_address, order.shipping = "collect", {}, 0
        preorders = []
    order.subtotal = sum(line.line_total for line in lines)
    order.total = order.subtotal + order.shipping
    return order, {"order": order, "lines": lines, "preorders": preorders}


def demo_preorder(status: str, charge_mode: str, product: Product | None = None) -> PreOrder:
    product = product or _products()[1]
    return PreOrder(
        reference="P-DEMO6789",
        access_token="demo",
        product=product,
        quantity=2,
        unit_price=product.price,
        shipping=295,
        charge_mode=charge_mode,
        status=status,
        name=BUYER,
        email=BUYER_EMAIL,
        address_line1=ADDRESS["line1"],
        address_line2=ADDRESS["line2"],
        city=ADDRESS["city"],
        postcode=ADDRESS["postal_code"],
        country=ADDRESS["country"],
        note="Please sign it for my daughter, Zoë. Leave it with next door if we're out.",
        payment_problem=(
            "Your card was declined." if status == PreOrder.Status.PAYMENT_NEEDED else ""
        ),
        tracking_number="RM123456785GB" if status == PreOrder.Status.SHIPPED else "",
        release_date_notified_for=product.release_date,
    )


def demo(kind: str) -> tuple[Order | PreOrder | Refund, dict]:
    """The row this kind of email is about, and what its templates are given, made up."""
    model = emails.EMAILS[kind].model
    if model is PreOrder:
        preorder = demo_preorder(*PRE_ORDER_KINDS[kind])
        return preorder, {"order": preorder}
    if model is Refund:
        order, context = demo_order(Order.Status.SHIPPED)
        refund = Refund(
            order=order,
            amount=context["lines"][0].unit_price,
            reason="Arrived with a torn cover: sorry about that.",
        )
        refunded = [RefundLine(refund=refund, line=context["lines"][0], quantity=1)]
        return refund, {**context, "refund": refund, "refunded_lines": refunded}
    return demo_order(*ORDER_KINDS.get(kind, (Order.Status.PAID, False)))
