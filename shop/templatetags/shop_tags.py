from django import template

from shop.money import decimal_amount as _decimal_amount
from shop.money import format_money

register = template.Library()


@register.filter
def money(amount: int, currency: str = "GBP") -> str:
    """{{ product.price|money:product.currency }} → £12.99"""
    if amount is None or amount == "":
        return ""
    return format_money(int(amount), currency)


@register.filter
def decimal_amount(amount: int, currency: str = "GBP") -> str:
    """{{ product.price|decimal_amount:product.currency }} → 12.99, for machine-read tags."""
    return _decimal_amount(int(amount), currency)
