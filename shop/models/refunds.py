"""Refunds of orders: how much, for which items, whether they went back in stock, why, and who
did it. Each is claimed before Stripe is asked (so two at once cannot give back more than was
paid) and holds Stripe's refund id once made. The workflow lives in shop/orders.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shop.models.orders import Order, OrderLine


class Refund(models.Model):
    order = models.ForeignKey(Order, related_name="refunds", on_delete=models.PROTECT)
    amount = models.PositiveIntegerField(help_text="In minor units (pence), as Stripe counts it.")
    vat = models.PositiveIntegerField(
        "VAT refunded", default=0, help_text="The VAT in the amount, for its credit note."
    )
    restocked = models.BooleanField(default=False)
    reason = models.CharField(max_length=500)
    # One per confirmation page sent: a double-submit finds the refund its first submission
    # claimed. The Stripe refund id is empty while Stripe is being asked.
    idempotency_key = models.CharField(max_length=100, unique=True)
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    refund_email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order.reference}: {self.amount_display}"

    @property
    def reference(self) -> str:
        return self.order.reference

    @property
    def currency(self) -> str:
        return self.order.currency

    @property
    def amount_display(self) -> str:
        return self.order.money(self.amount)

    @property
    def net(self) -> int:
        return self.amount - self.vat


class RefundLine(models.Model):
    """How many of an order line a refund covered (and, if restocked, put back on sale)."""

    refund = models.ForeignKey(Refund, related_name="lines", on_delete=models.CASCADE)
    line = models.ForeignKey(OrderLine, related_name="refunded", on_delete=models.PROTECT)
    quantity = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.line.title}"
