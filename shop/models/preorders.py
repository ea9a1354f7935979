"""Pre-orders: a buyer's claim on units of a product not yet released. The rules for taking
units live in shop/preorders.py; every status change goes through `Purchase.transition_to`."""

from __future__ import annotations

from django.db import models
from django.db.models import F
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from shop import vat
from shop.addresses import one_line, postal_lines
from shop.models.catalogue import PreOrderChargeMode, Product
from shop.models.orders import ERASED, ERASED_EMAIL, REFERENCE_ALPHABET, new_access_token
from shop.models.purchase import Purchase
from shop.models.vat import VatCharged
from shop.money import CURRENCY_CHOICES, DEFAULT_CURRENCY
from shop.payments import Outcome, Payment


def new_preorder_reference() -> str:
    return "P-" + get_random_string(8, REFERENCE_ALPHABET)


class PreOrder(Purchase, VatCharged):
    class Status(models.TextChoices):
        AWAITING_CHECKOUT = "awaiting_checkout", "At checkout with its order"
        AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
        AWAITING_CARD = "awaiting_card", "Awaiting card details"
        CARD_SAVED = "card_saved", "Card saved (charged on release)"
        RESERVED = "reserved", "Reserved (pay on release)"
        PAYMENT_NEEDED = "payment_needed", "Payment needed"
        PAID = "paid", "Paid"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired (never paid)"
        REFUNDED = "refunded", "Refunded"
        SHIPPED = "shipped", "Shipped"

    TRANSITIONS = {
        # Bought in a basket: settled with the order it belongs to.
        Status.AWAITING_CHECKOUT: {
            Status.PAID,
            Status.CARD_SAVED,
            Status.RESERVED,
            Status.EXPIRED,
        },
        Status.AWAITING_PAYMENT: {Status.PAID, Status.EXPIRED, Status.CANCELLED},
        Status.AWAITING_CARD: {Status.CARD_SAVED, Status.EXPIRED, Status.CANCELLED},
        Status.CARD_SAVED: {Status.PAID, Status.PAYMENT_NEEDED, Status.CANCELLED},
        Status.RESERVED: {Status.PAID, Status.PAYMENT_NEEDED, Status.CANCELLED},
        Status.PAYMENT_NEEDED: {Status.PAID, Status.CANCELLED},
        Status.PAID: {Status.SHIPPED, Status.REFUNDED},
    }
    STATUS_FOR_OUTCOME = {
        Outcome.PAID: Status.PAID,
        Outcome.CARD_SAVED: Status.CARD_SAVED,
        Outcome.FAILED: Status.EXPIRED,
        Outcome.EXPIRED: Status.EXPIRED,
    }
    ENDED_UNPAID = {Status.CANCELLED, Status.EXPIRED}
    # The buyer was sent to Stripe and has not finished there: nothing was confirmed to them.
    AT_FIRST_CHECKOUT = {Status.AWAITING_CHECKOUT, Status.AWAITING_PAYMENT, Status.AWAITING_CARD}
    # Statuses in which the pre-order's units count against the campaign's cap.
    HOLDS_UNITS = {
        Status.AWAITING_CHECKOUT,
        Status.AWAITING_PAYMENT,
        Status.AWAITING_CARD,
        Status.CARD_SAVED,
        Status.RESERVED,
        Status.PAYMENT_NEEDED,
        Status.PAID,
        Status.SHIPPED,
    }

    reference = models.CharField(
        max_length=20, unique=True, default=new_preorder_reference, editable=False
    )
    access_token = models.CharField(max_length=64, default=new_access_token, editable=False)
    form_token = models.CharField(
        max_length=200,
        unique=True,
        help_text="The one-time token of the form that made it: a resubmitted form finds it.",
    )
    product = models.ForeignKey("shop.Product", on_delete=models.PROTECT, related_name="preorders")
    variant = models.ForeignKey(
        "shop.ProductVariant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="preorders",
        help_text="The size or colour pre-ordered, for a product with variants.",
    )
    # Its name as pre-ordered, kept should staff later rename or delete the variant.
    variant_name = models.CharField(max_length=100, blank=True)
    order = models.ForeignKey(
        "shop.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="preorders",
        help_text="The order it was bought in, when it was bought from the basket.",
    )
    quantity = models.PositiveSmallIntegerField()
    unit_price = models.PositiveIntegerField()
    shipping = models.PositiveIntegerField()
    shipping_vat = models.PositiveIntegerField("VAT in delivery", default=0)
    vat_number = models.CharField(
        "seller's VAT number",
        max_length=20,
        blank=True,
        help_text="The shop's VAT number when it was placed; empty: no VAT charged.",
    )
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default=DEFAULT_CURRENCY)
    charge_mode = models.CharField(
        "when the buyer pays", max_length=20, choices=PreOrderChargeMode.choices
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    name = models.CharField(max_length=200)
    email = models.EmailField()
    address_line1 = models.CharField("address", max_length=200)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField("town or city", max_length=100)
    postcode = models.CharField(max_length=20)
    country = models.CharField(max_length=2)
    note = models.TextField(blank=True, max_length=500)
    stripe_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_session_url = models.URLField(max_length=1000, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True)
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    stripe_payment_method_id = models.CharField(max_length=255, blank=True)
    payment_problem = models.CharField(
        max_length=300, blank=True, help_text="Why the release-day charge did not go through."
    )
    units_released = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    staff_notified_at = models.DateTimeField(null=True, blank=True)
    released_email_sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_email_sent_at = models.DateTimeField(null=True, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    shipped_email_sent_at = models.DateTimeField(null=True, blank=True)
    release_date_notified_for = models.DateField(
        null=True, blank=True, help_text="The release date the buyer was last told about."
    )
    payment_needed_sent_at = models.DateTimeField(null=True, blank=True)
    # The buyer asked to be erased: name, email, address and note are gone, the sale is kept.
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "pre-order"
        verbose_name_plural = "pre-orders"
        ordering = ["-created_at"]
        permissions = [
            ("release_preorders", "Can release pre-orders (charge saved cards, send links)")
        ]
        indexes = [
            models.Index(fields=["product", "status"]),
            # A buyer's pre-orders are found by email whatever its case (`email__iexact`, which
            # is UPPER(email) on PostgreSQL); the per-buyer limit counts them under the
            # campaign's row lock, so this must never be a scan of every pre-order.
            models.Index(Upper("email"), F("product"), name="shop_preorder_buyer"),
        ]

    def get_absolute_url(self) -> str:
        return reverse(
            "shop:preorder", kwargs={"reference": self.reference, "token": self.access_token}
        )

    def record_payment(self, payment: Payment) -> None:
        super().record_payment(payment)
        if payment.customer:
            self.stripe_customer_id = payment.customer
        if payment.payment_method:
            self.stripe_payment_method_id = payment.payment_method

    def entered(self, status: str, previous: str, *, payment: Payment | None, reason: str) -> None:
        from shop import emails  # emails are about pre-orders: imported when first used

        # Each email's registry entry (shop/emails.py) decides whether it is due for this
        # pre-order: one bought with an order is confirmed by the order's email, and one that
        # never reached Stripe is not told it was cancelled.
        if status in {self.Status.EXPIRED, self.Status.CANCELLED, self.Status.REFUNDED}:
            self.give_back_units()
        if status in {self.Status.CANCELLED, self.Status.REFUNDED}:
            emails.queue("preorder_cancelled", self)
        elif status == self.Status.CARD_SAVED:
            emails.queue("preorder_card_saved", self)
            emails.queue("staff_new_preorder", self)
        elif status == self.Status.RESERVED or (
            status == self.Status.PAID and previous in self.AT_FIRST_CHECKOUT
        ):
            emails.queue("preorder_confirmation", self)
            emails.queue("staff_new_preorder", self)
        elif status == self.Status.PAID:  # charged on release, or paid by the emailed link
            emails.queue("preorder_paid_on_release", self)
        elif status == self.Status.PAYMENT_NEEDED:
            self.payment_problem = reason
            self.stripe_session_id = None  # a new page to pay on will be opened
            self.stripe_session_url = ""
            emails.queue("preorder_payment_needed", self)
        elif status == self.Status.SHIPPED:
            emails.queue("preorder_shipped", self)

    def confirm_with_order(self, order, payment: Payment) -> None:
        """Its order is paid: take the order's delivery address and settle by the campaign's
        charge mode (paid with the order, card saved for release, or reserved)."""
        address = order.shipping_address or {}
        self.name = order.shipping_name
        self.address_line1 = address.get("line1") or ""
        self.address_line2 = address.get("line2") or ""
        self.city = address.get("city") or ""
        self.postcode = address.get("postal_code") or ""
        self.country = address.get("country") or ""
        if self.charge_mode == PreOrderChargeMode.CHARGE_NOW:
            self.transition_to(self.Status.PAID, payment=payment)
        elif self.charge_mode == PreOrderChargeMode.CHARGE_ON_RELEASE:
            saved_card = Payment(customer=payment.customer, payment_method=payment.payment_method)
            self.transition_to(self.Status.CARD_SAVED, payment=saved_card)
        else:
            self.transition_to(self.Status.RESERVED)

    def anonymise(self) -> None:
        """Remove what names, reaches or locates the buyer, keeping the sale: reference,
        product, quantity, amounts, dates, status and delivery country. The private link stops
        working. Call inside a transaction holding this row's lock."""
        self.name = ERASED
        self.email = ERASED_EMAIL
        self.address_line1 = ERASED
        self.address_line2 = ""
        self.city = ""
        self.postcode = ""
        self.note = ""
        self.payment_problem = ""
        self.access_token = new_access_token()
        self.anonymised_at = timezone.now()
        self.save()

    def give_back_units(self) -> None:
        """Put the pre-order's units back in the campaign, once."""
        if self.units_released:
            return
        Product.objects.filter(pk=self.product_id).update_what_is_left(
            preorder_reserved=F("preorder_reserved") - self.quantity
        )
        self.units_released = True

    @property
    def before_release(self) -> bool:
        """Buyers may change or cancel their pre-order until its campaign is released."""
        return self.product.released_at is None

    @property
    def can_be_changed_by_buyer(self) -> bool:
        """The address may change, and the pre-order be cancelled, until release."""
        return self.before_release and self.status in self.HOLDS_UNITS - {self.Status.SHIPPED}

    @property
    def may_cancel(self) -> bool:
        """Until release, always (a payment is refunded). After release only while unpaid:
        once charged on release day it is being packed, and a refund is for staff to make."""
        return self.can_be_changed_by_buyer or self.status == self.Status.PAYMENT_NEEDED

    @property
    def vat_total(self) -> int:
        """The VAT in its price and its delivery, as kept when it was placed."""
        return self.vat + self.shipping_vat

    is_collected_in_person = False  # pre-orders are posted, on release

    @property
    def has_own_vat_invoice(self) -> bool:
        """Paid on its own to a VAT-registered shop. (One paid with an order is on that
        order's invoice.)"""
        return bool(self.vat_number) and self.paid_at is not None and self.order_id is None

    def vat_invoice_lines(self) -> list[vat.InvoiceLine]:
        """What the buyer paid for, with its VAT as kept when the pre-order was placed."""
        lines = [
            vat.InvoiceLine(
                f"Pre-order: {self.title}",
                self.quantity,
                self.unit_price * self.quantity,
                self.vat_percent_display,
                self.vat,
            )
        ]
        if self.shipping:
            lines.append(
                vat.InvoiceLine(
                    "Delivery", 1, self.shipping, self.vat_percent_display, self.shipping_vat
                )
            )
        return lines

    def record_vat_with_delivery(self, rate: str) -> None:
        """Keep the VAT in this pre-order's price and in its own delivery charge, at `rate`."""
        goods = self.unit_price * self.quantity
        self.record_vat(rate, goods)
        self.shipping_vat = vat.on_delivery(self.shipping, [(rate, goods)])

    @property
    def total(self) -> int:
        return self.unit_price * self.quantity + self.shipping

    @property
    def next_step(self) -> str:
        """What happens next, in a sentence, for an order's page and emails."""
        date = self.product.release_date
        on_release = f"on release{f' ({date:%-d %B %Y})' if date else ''}"
        if self.status == self.Status.PAID:
            paid = f"Paid {self.total_display} with its delivery"
            return f"{paid}; sent {on_release}." if self.before_release else f"{paid}; sent soon."
        if self.status == self.Status.CARD_SAVED:
            return f"Your card is charged {self.total_display} {on_release}."
        if self.status == self.Status.RESERVED:
            amount = self.total_display
            return f"Nothing charged yet: we email you a link to pay {amount} {on_release}."
        if self.status == self.Status.PAYMENT_NEEDED:
            return f"It's out: please pay {self.total_display} on its page."
        if self.status == self.Status.SHIPPED:
            return "Sent."
        if self.status == self.Status.AWAITING_CHECKOUT:
            return "Confirmed when the order is paid."
        return f"{self.get_status_display()}: nothing is held for you."

    @property
    def payment_terms(self) -> str:
        """When the buyer pays the total, by the charge mode they pre-ordered under."""
        return PreOrderChargeMode(self.charge_mode).when_buyer_pays(
            self.total_display, self.product.release_date
        )

    @property
    def address_lines(self) -> list[str]:
        """The delivery address as it goes on the parcel."""
        return postal_lines(
            self.name,
            self.address_line1,
            self.address_line2,
            self.city,
            "",  # the pre-order form asks for no county or state
            self.postcode,
            self.country,
        )

    @property
    def address_one_line(self) -> str:
        return one_line(self.address_lines)

    @property
    def packing_items(self) -> list[tuple[int, str]]:
        """(quantity, title) for each thing that goes in the parcel."""
        return [(self.quantity, self.title)]

    @property
    def title(self) -> str:
        """What was pre-ordered, naming its variant: "Gasworks skyline T-shirt (M, black)"."""
        if not self.variant_name:
            return self.product.title
        return f"{self.product.title} ({self.variant_name})"
