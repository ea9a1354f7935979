"""A shopper's wish to hear, once, that a sold-out product can be bought again."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from shop.models.orders import new_access_token


class BackInStockRequest(models.Model):
    """Asked for from a sold-out product's page; nothing is sent about the product until the
    address's owner confirms from the email that asks them (double opt-in), and then one email
    when the product is back. Either email's link stops it. One per product and address."""

    product = models.ForeignKey(
        "shop.Product", on_delete=models.CASCADE, related_name="back_in_stock_requests"
    )
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True, default=new_access_token)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    # Waiting for the product: confirmed, not yet told, not stopped.
    WAITING = Q(confirmed_at__isnull=False, notified_at__isnull=True, stopped_at__isnull=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "email"], name="one_request_per_address")
        ]

    def __str__(self) -> str:
        return f"{self.email} for {self.product}"

    @property
    def reference(self) -> str:
        """What logs call it (it has no order reference)."""
        return f"back-in-stock #{self.pk}"
