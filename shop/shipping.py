"""Delivery charges: one charge per order by the buyer's delivery zone and the bulkiest item's
parcel size, free from a zone's threshold. Staff keep the zones in the admin
(shop.models.ShippingZone); they are read from the cached site data, so pricing a basket
costs no query."""

from collections.abc import Iterable

from cms import sitedata
from shop.models.shipping import ShippingClass, ShippingZone

__all__ = ["ShippingClass", "ShippingZone", "zones", "zone", "default_zone", "zone_for_country"]

# Order matters: an order ships at the rate of its bulkiest class.
_BULK_ORDER = [ShippingClass.NONE, ShippingClass.SMALL, ShippingClass.LARGE]


def zones() -> list[ShippingZone]:
    """Every delivery zone, in the order the basket lists them."""
    return sitedata.cached("shipping-zones", lambda: list(ShippingZone.objects.all()))


def zone(code: str) -> ShippingZone | None:
    return next((found for found in zones() if found.code == code), None)


def default_zone() -> ShippingZone | None:
    """The zone a basket assumes until the buyer says otherwise: the first that posts (a
    buyer chooses collection in person themselves). None only while the shop has no zones at
    all, when nothing can be delivered (checkout says so)."""
    every = zones()
    return next((found for found in every if not found.collection), next(iter(every), None))


def zone_for_country(country: str) -> ShippingZone | None:
    return next((found for found in zones() if country in found.countries), None)


def shipping_cost(zone: ShippingZone | None, classes: Iterable[str], goods_total: int) -> int:
    """The charge in pence for delivering, together, items of these classes whose prices come
    to `goods_total`."""
    classes = set(classes)
    if zone is None or not classes:
        return 0
    bulkiest = max(classes, key=lambda c: _BULK_ORDER.index(ShippingClass(c)))
    return zone.charge(bulkiest, goods_total)
