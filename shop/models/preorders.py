"""Pre-orders: a buyer's claim on units of a product not yet released. The rules for taking and
giving back units live in shop/preorders.py."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.crypto import get_random_string

from shop.models.catalogue import PreOrderChargeMode
from shop.models.orders import REFERENCE_ALPHABET, new_access_token
from shop.money import CURRENCY_CHOICES, DEFAULT_CURRENCY, format_money


def new_preorder_reference() -> str:
    return "P-" + get_random_string(8, REFERENCE_ALPHABET)


class PreOrder(models.Model):
    class Status(models.TextChoices):
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
        Status.AWAITING_PAYMENT: {Status.PAID, Status.EXPIRED, Status.CANCELLED},
        Status.AWAITING_CARD: {Status.CARD_SAVED, Status.EXPIRED, Status.CANCELLED},
        Status.CARD_SAVED: {Status.PAID, Status.PAYMENT_NEEDED, Status.CANCELLED},
        Status.RESERVED: {Status.PAID, Status.PAYMENT_NEEDED, Status.CANCELLED},
        Status.PAYMENT_NEEDED: {Status.PAID, Status.CANCELLED},
        Status.PAID: {Status.SHIPPED, Status.REFUNDED},
    }
    # Statuses in which the pre-order's units count against the campaign's cap.
    HOLDS_UNITS = {
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
    quantity = models.PositiveSmallIntegerField()
    unit_price = models.PositiveIntegerField()
    shipping = models.PositiveIntegerField()
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

    class Meta:
        verbose_name = "pre-order"
        verbose_name_plural = "pre-orders"
        ordering = ["-created_at"]
        permissions = [
            ("release_preorders", "Can release pre-orders (charge saved cards, send links)")
        ]
        indexes = [
            models.Index(fields=["product", "status"]),
            models.Index(fields=["email", "product"]),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse(
            "shop:preorder", kwargs={"reference": self.reference, "token": self.access_token}
        )

    @property
    def before_release(self) -> bool:
        """Buyers may change or cancel their pre-order until the product is released."""
        return self.product.status == self.product.Status.PRE_ORDER

    @property
    def can_be_changed_by_buyer(self) -> bool:
        return self.before_release and self.status in self.HOLDS_UNITS - {self.Status.SHIPPED}

    @property
    def total(self) -> int:
        return self.unit_price * self.quantity + self.shipping

    def money(self, amount: int) -> str:
        return format_money(amount, self.currency)

    @property
    def total_display(self) -> str:
        return self.money(self.total)

    @property
    def payment_terms(self) -> str:
        """When the buyer pays the total, by the charge mode they pre-ordered under."""
        return PreOrderChargeMode(self.charge_mode).when_buyer_pays(
            self.total_display, self.product.release_date
        )

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    @property
    def address_lines(self) -> list[str]:
        from shop.countries import country_name

        return [
            line
            for line in [
                self.name,
                self.address_line1,
                self.address_line2,
                self.city,
                self.postcode,
                country_name(self.country),
            ]
            if line
        ]
