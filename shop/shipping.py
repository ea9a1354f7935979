"""Shipping: one flat charge per order, by destination region and the bulkiest item's class.

Rates live in the QUIRE_SHIPPING_RATES setting so a shop can change them without code.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import models


class ShippingClass(models.TextChoices):
    NONE = "none", "No shipping (digital or collected)"
    SMALL = "small", "Small parcel (book, CD)"
    LARGE = "large", "Large parcel (record, clothing)"


# Order matters: an order ships at the rate of its bulkiest class.
_BULK_ORDER = [ShippingClass.NONE, ShippingClass.SMALL, ShippingClass.LARGE]


def regions() -> dict[str, dict]:
    return settings.QUIRE_SHIPPING_RATES


def region_choices() -> list[tuple[str, str]]:
    return [(code, region["label"]) for code, region in regions().items()]


def default_region() -> str:
    return next(iter(regions()))


def shipping_cost(region: str, classes: Iterable[str]) -> int:
    """The shipping charge in minor units for an order whose items have these classes."""
    classes = set(classes)
    if not classes:
        return 0
    bulkiest = max(classes, key=lambda c: _BULK_ORDER.index(ShippingClass(c)))
    if bulkiest == ShippingClass.NONE:
        return 0
    return regions()[region]["rates"][bulkiest]
