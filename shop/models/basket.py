"""The shopping basket's storage; the rules for changing it live in shop/basket.py."""

import uuid

from django.core.validators import MinValueValidator
from django.db import models

from shop.models.catalogue import Product, ProductVariant


class Basket(models.Model):
    """A visitor's basket, kept in the database and found through the session's basket id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shipping_region = models.CharField(max_length=20, blank=True)
    discount_code = models.ForeignKey(
        "shop.DiscountCode", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Basket {self.id}"


class BasketLine(models.Model):
    basket = models.ForeignKey(Basket, related_name="lines", on_delete=models.CASCADE)
    product = models.ForeignKey(Product, related_name="+", on_delete=models.CASCADE)
    variant = models.ForeignKey(
        ProductVariant, null=True, blank=True, related_name="+", on_delete=models.CASCADE
    )
    quantity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            # One line per product, or per variant of a product that has them.
            models.UniqueConstraint(
                fields=["basket", "product"],
                condition=models.Q(variant__isnull=True),
                name="one_line_per_product",
            ),
            models.UniqueConstraint(
                fields=["basket", "variant"],
                condition=models.Q(variant__isnull=False),
                name="one_line_per_variant",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="basket_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.title}"

    @property
    def title(self) -> str:
        """What it is, as the basket, the order and Stripe's page name it."""
        if self.variant is None:
            return self.product.title
        return f"{self.product.title} ({self.variant.name})"

    @property
    def unit_price(self) -> int:
        return self.product.price if self.variant is None else self.variant.unit_price

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity
