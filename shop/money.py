"""Money is an integer number of minor units (pence) and a currency, as Stripe counts it."""

import re
from decimal import ROUND_HALF_UP, Decimal

CURRENCIES = {
    # code: (symbol, minor units per major unit)
    "GBP": ("£", 100),
    "EUR": ("€", 100),
    "USD": ("$", 100),
}
CURRENCY_CHOICES = [(code, code) for code in CURRENCIES]
DEFAULT_CURRENCY = "GBP"


def format_money(amount: int, currency: str = DEFAULT_CURRENCY) -> str:
    """£12.99 from (1299, "GBP"); the one place amounts are turned into text."""
    symbol, per_unit = CURRENCIES[currency.upper()]
    major = Decimal(amount) / per_unit
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(major):,.2f}"


def share(whole: int, part: int | Decimal, of: int | Decimal) -> int:
    """`whole` × `part` / `of` to the nearest penny, half a penny up: 10% of £12.25 is
    £1.23. Every VAT amount and every percentage discount is rounded here, so a receipt's
    figures agree wherever they are worked out."""
    if not of:
        return 0
    return int((Decimal(whole) * part / of).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def decimal_amount(amount: int, currency: str = DEFAULT_CURRENCY) -> str:
    """12.99 from (1299, "GBP"): the form structured data and feeds expect."""
    _, per_unit = CURRENCIES[currency.upper()]
    return f"{Decimal(amount) / per_unit:.2f}"


class AmountError(ValueError):
    """A typed amount that is not one; the message is worded for the person who typed it."""


_SYMBOL = re.compile(
    r"^(-?)[" + "".join(re.escape(symbol) for symbol, _ in CURRENCIES.values()) + r"]\s*"
)
_TYPED_AMOUNT = re.compile(
    r"(?P<minus>-)?(?P<units>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<fraction>[0-9]+))?"
)


def parse_amount(text: str, currency: str = DEFAULT_CURRENCY) -> int:
    """1850 from "18.50", "18.5", "£18.50" or "1,234.50" in GBP: an amount typed as shoppers
    read it, in minor units. Commas only group thousands ("18,50" is refused, never read as
    1850 pounds), and a third decimal place is refused, never rounded: every currency above
    has two."""
    _, per_unit = CURRENCIES[currency.upper()]
    typed = _TYPED_AMOUNT.fullmatch(_SYMBOL.sub(r"\1", text.strip()))
    if typed is None:
        raise AmountError("Enter an amount such as 18.50 or 1,234.50.")
    if typed["minus"]:
        raise AmountError("The amount cannot be negative.")
    fraction = typed["fraction"] or "0"
    if len(fraction) > 2:
        raise AmountError(f"Use at most two decimal places, e.g. 18.50, not {text.strip()}.")
    major = Decimal(f"{typed['units'].replace(',', '')}.{fraction}")
    return int(major * per_unit)
