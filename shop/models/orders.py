"""Orders, their lines (snapshots of what was bought at what price) and the payment events that
moved them. The workflows that change them live in shop/checkout.py."""

from __future__ import annotations

import secrets

from django.db import models
from django.urls import reverse
from django.utils.crypto import get_random_string

from shop.money import CURRENCY_CHOICES, DEFAULT_CURRENCY, format_money

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def new_reference() -> str:
    return "Q-" + get_random_string(8, REFERENCE_ALPHABET)


def new_access_token() -> str:
    return secrets.token_urlsafe(24)


class InvalidTransition(Exception):
    pass


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting payment"
        PROCESSING = "processing", "Payment processing"
        PAID = "paid", "Paid"
        PACKED = "packed", "Packed"
        SHIPPED = "shipped", "Shipped"
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
        Status.PAID: {Status.PACKED, Status.SHIPPED, Status.REFUNDED},
        Status.PACKED: {Status.SHIPPED, Status.REFUNDED},
        Status.SHIPPED: {Status.REFUNDED},
    }
    # Statuses in which the order's units stay taken from stock.
    HOLDS_STOCK = {Status.PENDING, Status.PROCESSING, Status.PAID, Status.PACKED, Status.SHIPPED}
    PAID_STATUSES = {Status.PAID, Status.PACKED, Status.SHIPPED}

    reference = models.CharField(max_length=20, unique=True, default=new_reference, editable=False)
    access_token = models.CharField(max_length=64, default=new_access_token, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    email = models.EmailField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default=DEFAULT_CURRENCY)
    subtotal = models.PositiveIntegerField()
    shipping = models.PositiveIntegerField()
    total = models.PositiveIntegerField()
    shipping_region = models.CharField(max_length=20)
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
    shipped_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    staff_notified_at = models.DateTimeField(null=True, blank=True)
    shipping_notice_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]
        permissions = [("refund_order", "Can refund orders")]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse(
            "shop:order", kwargs={"reference": self.reference, "token": self.access_token}
        )

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    def transition_to(self, status: str) -> None:
        """Move to `status` if the move is allowed; the caller saves."""
        if not self.can_become(status):
            raise InvalidTransition(
                f"Order {self.reference} cannot go from {self.get_status_display()} to "
                f"{self.Status(status).label}."
            )
        self.status = status

    @property
    def is_paid(self) -> bool:
        return self.status in self.PAID_STATUSES

    def money(self, amount: int) -> str:
        return format_money(amount, self.currency)

    @property
    def total_display(self) -> str:
        return self.money(self.total)


class OrderLine(models.Model):
    """What was bought, as it was when bought: title and unit price are copied, not looked up."""

    order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)
    product = models.ForeignKey(
        "shop.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200)
    unit_price = models.PositiveIntegerField()
    quantity = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.title}"

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity


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
