"""The VAT a sold line included, kept with the line (shop.vat says how it is worked out)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from shop import vat
from shop.vat import VatRate


class VatCharged(models.Model):
    """Abstract: an order line or a pre-order's goods, with the VAT rate it was sold at and the
    VAT its price included, as they were at the time of sale. Blank when the shop was not
    VAT-registered then."""

    vat_rate = models.CharField("VAT rate", max_length=10, choices=VatRate.choices, blank=True)
    vat_percent = models.DecimalField(
        "VAT percentage", max_digits=5, decimal_places=2, default=Decimal("0")
    )
    vat = models.PositiveIntegerField("VAT included", default=0)

    class Meta:
        abstract = True

    def record_vat(self, rate: str, gross: int) -> None:
        """Keep what VAT `gross` (this line's price, VAT included) includes at `rate` today."""
        charged = vat.charged(rate, gross)
        self.vat_rate, self.vat_percent, self.vat = charged.rate, charged.percent, charged.vat

    @property
    def vat_percent_display(self) -> str:
        if self.vat_rate == VatRate.EXEMPT:
            return "exempt"
        return f"{self.vat_percent.normalize():f}%"
