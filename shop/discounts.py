"""Discount codes at work: what a code takes off each line, and claiming one use of it.

Invariants:
- a code takes money off items in stock only: pre-orders are priced by their campaign, and
  delivery is charged as the zone says (its free-delivery threshold counts the goods after
  the discount);
- what a code takes off is decided per line, in whole pence, and the lines' shares add up to
  exactly what the order records, so VAT and refunds can be worked out per line;
- a code's use is claimed when checkout makes the order, under a row lock on the code, so
  concurrent checkouts can never use it more often than its cap allows; an order that ends
  unpaid gives its use back (`DiscountCode.uses` does not count it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from shop.models.discounts import DiscountCode
from shop.money import share

_CODE = re.compile(r"[A-Z0-9-]+")  # as DiscountCode.code's validator allows, in capitals
_CODE_LENGTH = DiscountCode._meta.get_field("code").max_length


class DiscountError(Exception):
    """The code cannot be used; `message` says why, in words for the buyer."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def could_be_a_code(text: str) -> bool:
    """Whether `text` has the shape of a code (letters, digits, hyphens, not too long), as
    typed: anything else (a NUL byte, which PostgreSQL refuses even to compare) names none."""
    text = (text or "").strip()
    return bool(_CODE.fullmatch(text.upper())) and len(text) <= _CODE_LENGTH


def find(text: str) -> DiscountCode | None:
    """The code a buyer typed, whatever its capitals and spaces around it; the database is
    asked only about text that could be a code."""
    if not could_be_a_code(text):
        return None
    return DiscountCode.objects.filter(code=text.strip().upper()).first()


def off_each_line(code: DiscountCode, lines: Sequence[tuple[int, int]]) -> list[int]:
    """What `code` takes off each of `lines`, given as (product id, line total) pairs of items
    in stock, in pence. A percentage is taken off each line it applies to (half a penny up);
    a fixed amount, never more than those lines cost, is shared between them by value, the
    odd pennies going to the lines with the largest remainders."""
    applies = set(code.products.values_list("pk", flat=True))
    eligible = [
        (index, total)
        for index, (product_id, total) in enumerate(lines)
        if not applies or product_id in applies
    ]
    off = [0] * len(lines)
    if code.kind == DiscountCode.Kind.PERCENT:
        for index, total in eligible:
            off[index] = share(total, code.percent, 100)
        return off
    whole = sum(total for _, total in eligible)
    amount = min(code.amount or 0, whole)
    if not amount:
        return off
    remainders = []
    for index, total in eligible:
        off[index], remainder = divmod(amount * total, whole)
        remainders.append((remainder, -index))
    pennies_left = amount - sum(off)
    for _, negative_index in sorted(remainders, reverse=True)[:pennies_left]:
        off[-negative_index] += 1
    return off


def claim(code_id: int) -> DiscountCode:
    """Lock the code for the caller's transaction (the checkout that makes the order) and
    check it can still be used, counting the orders committed before the lock was granted;
    DiscountError says why not. The order that records it counts as its use once committed."""
    code = DiscountCode.objects.select_for_update().filter(pk=code_id).first()
    if code is None:
        raise DiscountError(
            "The discount code in your basket has been withdrawn. "
            "Your basket now shows the price without it."
        )
    reason = code.why_not_usable()
    if reason:
        raise DiscountError(f"{reason} Your basket now shows the price without it.")
    return code
