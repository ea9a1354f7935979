"""VAT as a small UK seller charges it. Prices include VAT, as UK shoppers expect, so VAT never
changes what a buyer pays: it is the part of each price the seller owes HMRC. Each product has
a rate; a sale keeps, per line, the rate and the VAT it included at the time, so a later change
of rate or of the product rewrites no receipt. Delivery is taxed like the goods it carries:
when they have different rates, its charge is split between them by value (HMRC, VAT Notice
700/24). A seller below the registration threshold leaves the shop's VAT number empty, and
then no VAT is recorded or shown anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import models

from shop.money import share


class VatRate(models.TextChoices):
    STANDARD = "standard", "Standard rate (20%)"
    REDUCED = "reduced", "Reduced rate (5%)"
    ZERO = "zero", "Zero rate (0%: books, children's clothes)"
    EXEMPT = "exempt", "Exempt (no VAT)"


# The UK's rates as they are today; a sale records the percentage it was charged at.
PERCENT = {
    VatRate.STANDARD: Decimal("20"),
    VatRate.REDUCED: Decimal("5"),
    VatRate.ZERO: Decimal("0"),
    VatRate.EXEMPT: Decimal("0"),
}


@dataclass(frozen=True)
class Charged:
    """What one line of a sale was charged: its rate (code and percentage) and the VAT, in
    pence, that its VAT-inclusive amount included."""

    rate: str
    percent: Decimal
    vat: int


@dataclass(frozen=True)
class InvoiceLine:
    """One line of a VAT invoice: what was sold, for how much (VAT included), at what rate
    and with how much VAT in it, in pence."""

    description: str
    quantity: int
    gross: int
    rate: str  # as the invoice shows it: "20%", "0%", "exempt"
    vat: int

    @property
    def net(self) -> int:
        return self.gross - self.vat


def vat_in(gross: int, percent: Decimal) -> int:
    """The VAT included in a VAT-inclusive amount in pence, to the nearest penny (half up):
    £12.00 at 20% includes £2.00."""
    return share(gross, percent, Decimal(100) + percent)


def charged(rate: str, gross: int) -> Charged:
    percent = PERCENT[VatRate(rate)]
    return Charged(rate=rate, percent=percent, vat=vat_in(gross, percent))


def on_delivery(shipping: int, goods: Sequence[tuple[str, int]]) -> int:
    """The VAT included in a delivery charge for goods given as (rate, gross) pairs: the
    charge is split between the rates by the goods' value, the last share taking the pennies
    left so the shares add up to the charge."""
    total = sum(gross for _, gross in goods)
    if shipping == 0 or total == 0:
        return 0
    by_rate: dict[str, int] = {}
    for rate, gross in goods:
        by_rate[rate] = by_rate.get(rate, 0) + gross
    vat, left = 0, shipping
    rates = sorted(by_rate.items())
    for index, (rate, gross) in enumerate(rates):
        part = left if index == len(rates) - 1 else shipping * gross // total
        left -= part
        vat += vat_in(part, PERCENT[VatRate(rate)])
    return vat


@dataclass(frozen=True)
class RefundedUnits:
    """Units of one order line given back: how many, of how many bought, and what the whole
    line was paid (after any discount) and the VAT kept for it."""

    units: int
    quantity: int
    line_paid: int
    line_vat: int


def in_refund(given_back: Sequence[RefundedUnits], amount: int, paid: int, paid_vat: int) -> int:
    """The VAT in a refund of `amount`, for its credit note. Units given back carry their
    line's VAT pro rata; money beyond their price (delivery, goodwill) carries VAT in the
    share the whole order did (`paid_vat` of `paid`); a refund of less than the units' price
    carries that share of their VAT."""
    units_price = sum(share(item.line_paid, item.units, item.quantity) for item in given_back)
    units_vat = sum(share(item.line_vat, item.units, item.quantity) for item in given_back)
    if units_price and amount <= units_price:
        return share(units_vat, amount, units_price)
    return units_vat + share(paid_vat, amount - units_price, paid)


def seller_vat_number() -> str:
    """The shop's VAT registration number (its default site's), or "" when it is not
    registered and charges no VAT. Read from the cached site data."""
    from cms import sitedata
    from shop.models import ShopDetails

    def read() -> str:
        # Read only: a site whose details were never saved has none, and creating the row
        # here (as `for_site` does) would make concurrent checkouts wait on each other.
        details = ShopDetails.objects.filter(site__is_default_site=True)
        return details.values_list("vat_number", flat=True).first() or ""

    return sitedata.cached("shop-vat-number", read)
