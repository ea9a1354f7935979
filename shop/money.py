"""Money is an integer number of minor units (pence) and a currency, as Stripe counts it."""

from decimal import Decimal

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


def decimal_amount(amount: int, currency: str = DEFAULT_CURRENCY) -> str:
    """12.99 from (1299, "GBP"): the form structured data and feeds expect."""
    _, per_unit = CURRENCIES[currency.upper()]
    return f"{Decimal(amount) / per_unit:.2f}"
