"""Orders, their lines (snapshots of what was bought at what price) and the payment events that
moved them. The workflows that change them live in shop/checkout.py, shop/settlement.py and
shop/orders.py; every status change goes through `Purchase.transition_to`."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from shop import vat
from shop.addresses import one_line, stripe_postal_lines
from shop.models.basket import BasketLine
from shop.models.catalogue import PreOrderChargeMode, Product, ProductVariant
from shop.models.purchase import Purchase
from shop.models.vat import VatCharged
from shop.money import CURRENCY_CHOICES, DEFAULT_CURRENCY, share
from shop.payments import Outcome, Payment

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def new_reference() -> str:
    return "Q-" + get_random_string(8, REFERENCE_ALPHABET)


def new_access_token() -> str:
    return secrets.token_urlsafe(24)


# Where an erased buyer's email address was: a reserved domain (RFC 2606), so nothing is ever
# delivered to it, and no email is due for an anonymised row (shop/emails.py) in any case.
ERASED_EMAIL = "erased@erased.invalid"
ERASED = "(erased)"

# What a Stripe event may say about the buyer, anywhere in its payload (customer_details,
# collected_information, shipping, billing_details, ...).
BUYER_KEYS_IN_STRIPE_EVENTS = frozenset(
    {
        "address",
        "billing_details",
        "collected_information",
        "customer_details",
        "customer_email",
        "email",
        "name",
        "phone",
        "receipt_email",
        "shipping",
        "shipping_details",
    }
)


def without_buyer(value):
    """A Stripe payload with every value that may name, address or reach the buyer removed;
    ids, amounts, statuses and our own metadata are kept."""
    if isinstance(value, dict):
        return {
            key: None if key in BUYER_KEYS_IN_STRIPE_EVENTS else without_buyer(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [without_buyer(item) for item in value]
    return value


class Order(Purchase):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting payment"
        PROCESSING = "processing", "Payment processing"
        PAID = "paid", "Paid"
        PACKED = "packed", "Packed"
        SHIPPED = "shipped", "Shipped"
        READY_TO_COLLECT = "ready_to_collect", "Ready to collect"
        COLLECTED = "collected", "Collected"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"
        PAYMENT_FAILED = "payment_failed", "Payment failed"
        REFUNDED = "refunded", "Refunded"

    # Where each status may go next. Anything else (a late or repeated event, a staff mistake)
    # is refused, so an order never moves backwards.
    TRANSITIONS = {
        Status.PENDING: {
            Status.PROCESSING,
            Status.PAID,
            Status.CANCELLED,
            Status.EXPIRED,
            Status.PAYMENT_FAILED,
        },
        Status.PROCESSING: {Status.PAID, Status.PAYMENT_FAILED},
        Status.PAID: {Status.PACKED, Status.SHIPPED, Status.READY_TO_COLLECT, Status.REFUNDED},
        Status.PACKED: {Status.SHIPPED, Status.READY_TO_COLLECT, Status.REFUNDED},
        Status.SHIPPED: {Status.REFUNDED},
        Status.READY_TO_COLLECT: {Status.COLLECTED, Status.REFUNDED},
        Status.COLLECTED: {Status.REFUNDED},
    }
    STATUS_FOR_OUTCOME = {
        Outcome.PROCESSING: Status.PROCESSING,
        Outcome.PAID: Status.PAID,
        Outcome.FAILED: Status.PAYMENT_FAILED,
        Outcome.EXPIRED: Status.EXPIRED,
    }
    # Statuses in which the order's units stay taken from stock.
    PAID_STATUSES = {
        Status.PAID,
        Status.PACKED,
        Status.SHIPPED,
        Status.READY_TO_COLLECT,
        Status.COLLECTED,
    }
    HOLDS_STOCK = {Status.PENDING, Status.PROCESSING, *PAID_STATUSES}
    ENDED_UNPAID = {Status.CANCELLED, Status.EXPIRED, Status.PAYMENT_FAILED}

    reference = models.CharField(max_length=20, unique=True, default=new_reference, editable=False)
    access_token = models.CharField(max_length=64, default=new_access_token, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    email = models.EmailField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default=DEFAULT_CURRENCY)
    subtotal = models.PositiveIntegerField()
    shipping = models.PositiveIntegerField()
    total = models.PositiveIntegerField()
    shipping_region = models.CharField(max_length=20)
    collect_from = models.TextField(
        "collect from",
        blank=True,
        help_text="Where and when the buyer collects the order, as its zone said at checkout. "
        "Empty: the order is posted.",
    )
    # The code the buyer used; `discount_label` keeps its text should staff delete it.
    discount_code = models.ForeignKey(
        "shop.DiscountCode",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    discount_label = models.CharField("discount code used", max_length=40, blank=True)
    discount = models.PositiveIntegerField(
        default=0, help_text="Taken off the items by the code: the sum of the lines' discounts."
    )
    shipping_vat = models.PositiveIntegerField("VAT in delivery", default=0)
    vat_number = models.CharField(
        "seller's VAT number",
        max_length=20,
        blank=True,
        help_text="The shop's VAT number when the order was placed; empty: no VAT charged.",
    )
    shipping_name = models.CharField(max_length=200, blank=True)
    shipping_address = models.JSONField(default=dict, blank=True)
    basket = models.ForeignKey(
        "shop.Basket", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    stripe_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True)
    stripe_refund_id = models.CharField(max_length=255, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    stock_released = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # When a delayed payment (a bank debit) began to clear; kept once paid, so the receipt
    # can say the payment has cleared.
    processing_at = models.DateTimeField(null=True, blank=True)
    # Staff cancelled it (a buyer who leaves Stripe's page cancels their own, and is not
    # emailed about it).
    cancelled_by_staff = models.BooleanField(default=False)
    shipped_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    staff_notified_at = models.DateTimeField(null=True, blank=True)
    shipping_notice_sent_at = models.DateTimeField(null=True, blank=True)
    collection_notice_sent_at = models.DateTimeField(null=True, blank=True)
    processing_email_sent_at = models.DateTimeField(null=True, blank=True)
    cancellation_email_sent_at = models.DateTimeField(null=True, blank=True)
    # The buyer asked to be erased: name, email and address are gone, the sale is kept.
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]
        permissions = [("refund_order", "Can refund orders")]

    def get_absolute_url(self) -> str:
        return reverse(
            "shop:order", kwargs={"reference": self.reference, "token": self.access_token}
        )

    @property
    def is_paid(self) -> bool:
        return self.status in self.PAID_STATUSES

    def record_payment(self, payment: Payment) -> None:
        super().record_payment(payment)
        if payment.shipping_address:
            self.shipping_name = payment.shipping_name
            self.shipping_address = payment.shipping_address
        elif self.is_collected_in_person and payment.buyer_name:
            self.shipping_name = payment.buyer_name  # who comes to collect it

    def entered(self, status: str, previous: str, *, payment: Payment | None, reason: str) -> None:
        from shop import emails  # emails are about orders: imported when first used

        if status in self.ENDED_UNPAID:
            self.give_back_stock()
            for preorder in self.preorders.select_for_update(no_key=True).select_related("product"):
                if preorder.can_become(preorder.Status.EXPIRED):
                    preorder.transition_to(preorder.Status.EXPIRED)
            emails.queue("order_cancelled", self)  # the registry says whose buyer is told
        elif status == self.Status.PROCESSING:
            self.processing_at = timezone.now()
            emails.queue("order_processing", self)
        elif status == self.Status.PAID:
            for preorder in self.preorders.select_for_update(no_key=True).select_related("product"):
                if preorder.status == preorder.Status.AWAITING_CHECKOUT:
                    preorder.confirm_with_order(self, payment or Payment())
            self.remove_bought_items_from_basket()
            # One receipt either way: both kinds record it in confirmation_sent_at.
            receipt = "order_paid_after_delay" if self.processing_at else "order_confirmed"
            emails.queue(receipt, self)
            emails.queue("staff_new_order", self)
        elif status == self.Status.SHIPPED:
            emails.queue("order_shipped", self)
        elif status == self.Status.READY_TO_COLLECT:
            emails.queue("order_ready_to_collect", self)
        elif status == self.Status.REFUNDED:
            self.refunded_at = timezone.now()
            # All of the payment is back, so are the pre-orders it paid for (not those paid or
            # saved for separately, on release).
            for preorder in self.preorders.select_for_update(no_key=True).select_related("product"):
                paid_with_order = preorder.stripe_payment_intent_id == self.stripe_payment_intent_id
                if paid_with_order and preorder.can_become(preorder.Status.REFUNDED):
                    preorder.transition_to(preorder.Status.REFUNDED)

    def give_back_stock(self) -> None:
        """Put the order's units back on sale, once, however many times the order is ended."""
        if self.stock_released:
            return
        for line in self.lines.order_by("product_id"):  # in the order checkout locks them
            line.put_back(line.quantity)
        self.stock_released = True

    def remove_bought_items_from_basket(self) -> None:
        """Take what was bought out of its basket, leaving anything added since checkout."""
        if self.basket_id is None:
            return
        bought = {
            (line.product_id, line.variant_id): line.quantity
            for line in self.lines.all()
            if line.product_id
        }
        for preorder in self.preorders.all():
            key = (preorder.product_id, None)
            bought[key] = bought.get(key, 0) + preorder.quantity
        lines = BasketLine.objects.select_for_update().filter(
            basket_id=self.basket_id, product_id__in={product for product, _ in bought}
        )
        for line in lines:
            taken = bought.get((line.product_id, line.variant_id))
            if taken is None:
                continue
            if line.quantity > taken:
                line.quantity -= taken
                line.save(update_fields=["quantity"])
            else:
                line.delete()

    def anonymise(self) -> None:
        """Remove what names, reaches or locates the buyer, keeping the sale as the accounts need
        it: reference, status, dates, lines, amounts, refunds, delivery country (VAT depends on
        where goods went) and tracking number (proof of delivery, which names no one). The
        private link stops working. Call inside a transaction holding this row's lock."""
        country = (self.shipping_address or {}).get("country") or ""
        self.email = ERASED_EMAIL
        self.shipping_name = ERASED
        self.shipping_address = {"country": country} if country else {}
        self.access_token = new_access_token()
        self.anonymised_at = timezone.now()
        self.save()

    @property
    def address_lines(self) -> list[str]:
        """The delivery address as it goes on the parcel (empty when none was given)."""
        return stripe_postal_lines(self.shipping_name, self.shipping_address)

    @property
    def address_one_line(self) -> str:
        return one_line(self.address_lines)

    @property
    def discount_display(self) -> str:
        """The discount as receipts show it, taken off: "-£2.40"."""
        return self.money(-self.discount)

    @property
    def is_collected_in_person(self) -> bool:
        return bool(self.collect_from)

    def made_refunds(self):
        """The refunds Stripe has made, oldest first (one being asked for is not one yet)."""
        return self.refunds.filter(stripe_refund_id__isnull=False).order_by("created_at", "pk")

    @property
    def vat_total(self) -> int:
        """The VAT in what this order charged (kept at the time of sale)."""
        return sum(line.vat for line in self.vat_invoice_lines())

    def vat_invoice_lines(self) -> list[vat.InvoiceLine]:
        """What the buyer paid for with this order, each with its VAT as kept at the time of
        sale: the items, the pre-orders paid with it, and delivery (at the goods' rates)."""
        lines = [
            vat.InvoiceLine(
                f"{line.title} (less {self.money(line.discount)} with {self.discount_label})"
                if line.discount
                else line.title,
                line.quantity,
                line.paid,
                line.vat_percent_display,
                line.vat,
            )
            for line in self.lines.all()
        ]
        lines += [
            vat.InvoiceLine(
                f"Pre-order: {preorder.title}",
                preorder.quantity,
                preorder.unit_price * preorder.quantity,
                preorder.vat_percent_display,
                preorder.vat,
            )
            for preorder in self.preorders.all()  # prefetched with their products by listings
            if preorder.charge_mode == PreOrderChargeMode.CHARGE_NOW
        ]
        if self.shipping:
            rates = {line.rate for line in lines}
            rate = rates.pop() if len(rates) == 1 else "split by value"
            lines.append(vat.InvoiceLine("Delivery", 1, self.shipping, rate, self.shipping_vat))
        return lines

    @property
    def packing_items(self) -> list[tuple[int, str]]:
        """(quantity, title) for each thing that goes in the parcel."""
        return [(line.quantity, line.title) for line in self.lines.all()]

    @property
    def items_summary(self) -> str:
        """What is in the parcel, e.g. "2 × Dirty Old Town; 1 × Tote bag"."""
        return "; ".join(f"{quantity} × {title}" for quantity, title in self.packing_items)


class OrderLine(VatCharged):
    """What was bought, as it was when bought: title and unit price are copied, not looked up."""

    order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)
    product = models.ForeignKey(
        "shop.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    variant = models.ForeignKey(
        "shop.ProductVariant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sku = models.CharField("SKU", max_length=64, blank=True)
    title = models.CharField(max_length=200)
    unit_price = models.PositiveIntegerField()
    quantity = models.PositiveSmallIntegerField()
    discount = models.PositiveIntegerField(
        default=0, help_text="What the order's discount code took off this line, in pence."
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.title}"

    @property
    def line_total(self) -> int:
        """The line at its full price, as the receipt lists it."""
        return self.unit_price * self.quantity

    @property
    def paid(self) -> int:
        """What the buyer paid for the line: its full price less its discount. VAT, refunds
        and the VAT invoice work from this."""
        return self.line_total - self.discount

    def paid_for(self, units: int) -> int:
        """What the buyer paid for `units` of the line (its discount shared by unit)."""
        return share(self.paid, units, self.quantity)

    def put_back(self, units: int) -> None:
        """Return `units` to stock: the product's (the sum of its variants') and then the
        variant's, unlimited stock staying unlimited. The product's row is written first, as
        checkout locks it before a variant, so the two can never wait on each other. Called
        under the order's lock, in product id order."""
        if self.product_id is None:
            return
        if self.variant_id is not None:  # the product's lock first, even with unlimited stock
            list(
                Product.objects.select_for_update(no_key=True)
                .filter(pk=self.product_id)
                .values("pk")
            )
        Product.objects.filter(pk=self.product_id, stock__isnull=False).update_what_is_left(
            stock=F("stock") + units
        )
        if self.variant_id is not None:
            ProductVariant.objects.filter(pk=self.variant_id, stock__isnull=False).update(
                stock=F("stock") + units
            )


class PaymentEvent(models.Model):
    """Each Stripe event, recorded once by its id: a repeated delivery finds it and stops."""

    stripe_event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="payment_events"
    )
    outcome = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_at", "pk"]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_event_id}"

    def forget_buyer(self) -> None:
        """Strip the buyer's details from the stored payload. The row itself stays: its event
        id is what makes a repeated delivery of the same event change nothing."""
        self.payload = without_buyer(self.payload)
        self.save(update_fields=["payload"])
