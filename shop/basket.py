"""The shopping basket: what a visitor means to buy, kept in the database, found through the
session.

Invariants:
- a basket row exists only once its visitor adds something, so browsing costs no write;
- a request that never touches the basket costs no query (it is loaded on first use);
- a rejected change changes nothing and says why in words the buyer understands;
- quantities stay within 1..product.max_quantity, one line per product, one currency a basket;
- a basket holds products on sale and products on pre-order alike: checkout takes stock for
  the first and campaign units for the second, and each pre-order is paid as its campaign says.
Stock and units are not reserved here: that happens at checkout, under a row lock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest

from shop import discounts, shipping
from shop.models import (
    Basket,
    BasketLine,
    DiscountCode,
    Order,
    OrderLine,
    PreOrder,
    PreOrderChargeMode,
    Product,
    ProductVariant,
)
from shop.money import DEFAULT_CURRENCY, format_money

CHARGE_NOW = PreOrderChargeMode.CHARGE_NOW
CHARGE_ON_RELEASE = PreOrderChargeMode.CHARGE_ON_RELEASE

SESSION_KEY = "shop_basket_id"


class BasketError(Exception):
    """A change the basket refused; `message` is shown to the buyer as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


_NOT_LOADED = object()


def current_basket(request: HttpRequest) -> Basket | None:
    """The visitor's basket, or None if they have not added anything yet; loaded once per
    request, and only by the code that needs it."""
    basket = getattr(request, "_shop_basket", _NOT_LOADED)
    if basket is _NOT_LOADED:
        basket = request._shop_basket = _load_basket(request)
    return basket


def _load_basket(request: HttpRequest) -> Basket | None:
    basket_id = request.session.get(SESSION_KEY)
    if not basket_id:
        return None
    try:
        basket = Basket.objects.filter(pk=uuid.UUID(str(basket_id))).first()
    except ValueError:
        basket = None
    if basket is None:  # deleted after checkout or clean-up, or never valid: forget it
        request.session.pop(SESSION_KEY, None)
    return basket


def _basket_for_change(request: HttpRequest, form_basket_id: str | None) -> Basket:
    """The visitor's basket, locked for the change, checking the form was made for it.

    A form from another tab, an old session or someone else's page carries another basket id;
    acting on it could change a basket the buyer is not looking at, so it is refused.
    """
    basket = current_basket(request)
    if basket is None or (form_basket_id is not None and str(basket.pk) != form_basket_id):
        raise BasketError(
            "That form was for a basket that is no longer yours (perhaps from another tab). "
            "Here is your basket as it is now."
        )
    return Basket.objects.select_for_update().get(pk=basket.pk)


# The largest id the database can hold: a bigger number from a form names no row, and SQLite
# refuses even to be asked about it.
_LARGEST_ID = 2**63 - 1


def _form_id(value) -> int | None:
    """The row id a form field names, or None if it is not a whole number the database holds."""
    try:
        row_id = int(value)
    except (TypeError, ValueError):
        return None
    return row_id if 0 < row_id <= _LARGEST_ID else None


def product_to_buy(product_id) -> Product:
    """The product `product_id` names, if it can go in a basket now; BasketError says why not."""
    product = Product.objects.visible().filter(pk=_form_id(product_id)).first()
    if product is None:
        raise BasketError("Sorry, that product is not available.")
    if product.status == Product.Status.PRE_ORDER and not product.accepts_preorders:
        raise BasketError(f"Sorry, pre-orders for “{product.title}” are closed.")
    if not product.can_be_added_to_basket:
        raise BasketError(f"Sorry, “{product.title}” is sold out.")
    return product


def parse_quantity(text) -> int:
    try:
        quantity = int(str(text).strip())
    except (TypeError, ValueError) as exc:
        raise BasketError("Please enter the quantity as a whole number, like 1 or 2.") from exc
    if quantity < 1:
        raise BasketError("The quantity must be at least 1. To take an item out, use Remove.")
    return quantity


def variant_to_buy(product: Product, variant_id) -> ProductVariant | None:
    """The variant of `product` a form names (one must be chosen if it has variants, and none
    if not); BasketError says why not."""
    if not product.has_variants:
        return None
    variant = product.variants.filter(pk=_form_id(variant_id)).first()
    if variant is None:
        raise BasketError(
            f"Please choose the {product.option_label.lower()} of “{product.title}” you want."
        )
    if variant.is_sold_out:
        raise BasketError(f"Sorry, “{product.title} ({variant.name})” is sold out.")
    return variant


def _check_variant_quantity(line: BasketLine, quantity: int) -> None:
    variant = line.variant
    if quantity <= variant.max_quantity:
        return
    if variant.stock is not None and variant.stock < line.product.per_order_limit:
        raise BasketError(
            f"Sorry, only {variant.stock} of “{line.title}” left; "
            f"your basket can hold up to {variant.max_quantity}."
        )
    raise BasketError(
        f"You can buy up to {line.product.per_order_limit} of “{line.title}” an order."
    )


def _check_quantity(product: Product, quantity: int) -> None:
    if quantity <= product.max_quantity:
        return
    if product.status == Product.Status.PRE_ORDER:
        left = product.preorder_units_left
        if left is not None and left < product.preorder_per_buyer_limit:
            raise BasketError(
                f"Sorry, only {left} of “{product.title}” left to pre-order; "
                f"your basket can hold up to {product.max_quantity}."
            )
        raise BasketError(
            f"You can pre-order up to {product.preorder_per_buyer_limit} of “{product.title}”."
        )
    if product.stock is not None and product.stock < product.per_order_limit:
        raise BasketError(
            f"Sorry, only {product.stock} of “{product.title}” left; "
            f"your basket can hold up to {product.max_quantity}."
        )
    raise BasketError(f"You can buy up to {product.per_order_limit} of “{product.title}” an order.")


def _check_price_seen(line: BasketLine, seen_price) -> None:
    """The form carries the price the buyer saw; if it has changed since, they must see it.
    (A product with variants shows their prices, so its form carries none.)"""
    if seen_price is None or line.variant is not None:
        return
    if str(seen_price).strip() != str(line.unit_price):
        raise BasketError(
            f"The price of “{line.title}” is now "
            f"{format_money(line.unit_price, line.product.currency)}. "
            "Nothing was changed: please check the new price and try again."
        )


def _check_line_quantity(line: BasketLine, quantity: int) -> None:
    """Within what is left: the variant's stock, or for a pre-order, the campaign's units."""
    if line.variant is not None and line.product.status != Product.Status.PRE_ORDER:
        _check_variant_quantity(line, quantity)
    else:
        _check_quantity(line.product, quantity)


def add_to_basket(
    request: HttpRequest, product_id, quantity, seen_price=None, variant_id=None
) -> BasketLine:
    """Add `quantity` of a product (of the variant chosen, if it has variants), creating the
    basket on the first add."""
    quantity = parse_quantity(quantity)
    product = product_to_buy(product_id)
    variant = variant_to_buy(product, variant_id)
    _check_price_seen(BasketLine(product=product, variant=variant), seen_price)
    with transaction.atomic():
        if current_basket(request) is None:
            basket = Basket.objects.create()
            request.session[SESSION_KEY] = str(basket.pk)
            request._shop_basket = basket
        basket = _basket_for_change(request, None)
        line = (
            basket.lines.select_related("product", "variant")
            .filter(product=product, variant=variant)
            .first()
        )
        currencies = set(basket.lines.values_list("product__currency", flat=True))
        if currencies and product.currency not in currencies:
            raise BasketError(
                f"Your basket is priced in {currencies.pop()} and “{product.title}” in "
                f"{product.currency}: please buy it in a separate order."
            )
        new_quantity = quantity + (line.quantity if line else 0)
        _check_line_quantity(BasketLine(product=product, variant=variant), new_quantity)
        if line is None:
            line = basket.lines.create(product=product, variant=variant, quantity=new_quantity)
        else:
            line.quantity = new_quantity
            line.save(update_fields=["quantity"])
        basket.save(update_fields=["updated_at"])
    return line


def set_quantity(
    request: HttpRequest,
    product_id,
    quantity,
    seen_price=None,
    form_basket_id=None,
    variant_id=None,
) -> BasketLine:
    quantity = parse_quantity(quantity)
    with transaction.atomic():
        basket = _basket_for_change(request, form_basket_id)
        line = _line(basket, product_id, variant_id)
        _check_price_seen(line, seen_price)
        _check_line_quantity(line, quantity)
        line.quantity = quantity
        line.save(update_fields=["quantity"])
        basket.save(update_fields=["updated_at"])
    return line


def remove_from_basket(
    request: HttpRequest, product_id, form_basket_id=None, variant_id=None
) -> BasketLine:
    with transaction.atomic():
        basket = _basket_for_change(request, form_basket_id)
        line = _line(basket, product_id, variant_id)
        line.delete()
        basket.save(update_fields=["updated_at"])
    return line


def empty_basket(request: HttpRequest, form_basket_id=None) -> None:
    with transaction.atomic():
        basket = _basket_for_change(request, form_basket_id)
        basket.lines.all().delete()
        basket.save(update_fields=["updated_at"])


def set_shipping_region(request: HttpRequest, region: str, form_basket_id=None) -> None:
    if shipping.zone(region) is None:
        raise BasketError("Please choose where the order is going from the list.")
    with transaction.atomic():
        basket = _basket_for_change(request, form_basket_id)
        basket.shipping_region = region
        basket.save(update_fields=["shipping_region", "updated_at"])


def apply_discount_code(request: HttpRequest, text: str, form_basket_id=None) -> DiscountCode:
    """Keep the code the buyer typed with their basket (one a basket: a second replaces the
    first), if it can be used now and takes something off what is in it."""
    typed = (text or "").strip()
    if not typed:
        raise BasketError("Type your discount code, e.g. SUMMER10, then press Apply.")
    if not discounts.could_be_a_code(typed):
        raise BasketError(
            "Discount codes are letters, digits and hyphens, like SUMMER10. "
            "Please check yours and try again."
        )
    code = discounts.find(typed)
    if code is None:
        raise BasketError(
            f"“{typed}” is not one of our discount codes. Please check it and try again."
        )
    reason = code.why_not_usable()
    if reason:
        raise BasketError(reason)
    with transaction.atomic():
        basket = _basket_for_change(request, form_basket_id)
        in_stock = [
            (line.product_id, line.line_total)
            for line in basket.lines.select_related("product")
            if line.product.status != Product.Status.PRE_ORDER
        ]
        if not any(discounts.off_each_line(code, in_stock)):
            raise BasketError(
                f"The code {code.code} does not apply to anything in your basket"
                + (" (codes take nothing off pre-orders)." if not in_stock else ".")
            )
        basket.discount_code = code
        basket.save(update_fields=["discount_code", "updated_at"])
    return code


def remove_discount_code(request: HttpRequest, form_basket_id=None) -> None:
    with transaction.atomic():
        basket = _basket_for_change(request, form_basket_id)
        basket.discount_code = None
        basket.save(update_fields=["discount_code", "updated_at"])


def _line(basket: Basket, product_id, variant_id=None) -> BasketLine:
    """The line a form names: by its product, and its variant if it has one."""
    variant = _form_id(variant_id) if variant_id not in (None, "") else None
    line = (
        basket.lines.select_related("product", "variant")
        .filter(product_id=_form_id(product_id), variant_id=variant)
        .first()
    )
    if line is None:
        raise BasketError("That item is not in your basket any more.")
    return line


def item_count(request: HttpRequest) -> int:
    basket = current_basket(request)
    if basket is None:
        return 0
    return sum(basket.lines.values_list("quantity", flat=True))


@dataclass
class LineView:
    line: BasketLine
    problem: str = ""
    shipping: int = 0  # a pre-order's own delivery charge: it is sent on its own, on release
    discount: int = 0  # what the basket's discount code takes off this line

    @property
    def paid(self) -> int:
        """The line's price after its discount."""
        return self.line.line_total - self.discount

    @property
    def product(self) -> Product:
        return self.line.product

    @property
    def total(self) -> str:
        return format_money(self.line.line_total, self.product.currency)

    @property
    def is_preorder(self) -> bool:
        return self.product.status == Product.Status.PRE_ORDER

    @property
    def paid_at_checkout(self) -> bool:
        """In stock, or a pre-order whose campaign charges in full when pre-ordering."""
        return not self.is_preorder or self.product.preorder_charge_mode == CHARGE_NOW

    @property
    def saves_card(self) -> bool:
        return self.is_preorder and self.product.preorder_charge_mode == CHARGE_ON_RELEASE

    @property
    def payment_terms(self) -> str:
        """When this pre-order is paid, in the words the form and the emails use."""
        amount = format_money(self.line.line_total + self.shipping, self.product.currency)
        return PreOrderChargeMode(self.product.preorder_charge_mode).when_buyer_pays(
            f"{amount} (with its delivery)", self.product.release_date
        )


@dataclass
class BasketSummary:
    """The basket as the buyer sees it, priced from the database as it is now."""

    basket: Basket | None
    lines: list[LineView] = field(default_factory=list)
    currency: str = DEFAULT_CURRENCY
    zone: shipping.ShippingZone | None = None  # where it is going; None: the shop has no zones
    subtotal: int = 0
    shipping: int = 0
    in_stock_shipping: int = 0  # the one charge for the items in stock, sent together
    due_now: int = 0  # what checkout charges: in-stock items, charge-now pre-orders, delivery
    discount_code: DiscountCode | None = None  # the code the buyer gave, usable or not
    discount_problem: str = ""  # why that code takes nothing off now
    discount: int = 0  # what it takes off, the sum of the lines' discounts

    @property
    def total(self) -> int:
        return self.subtotal - self.discount + self.shipping

    @property
    def to_free_delivery(self) -> int | None:
        """How much more of what ships now would make its delivery free here; 0 when it is
        free already, None when this zone never delivers free or nothing ships now."""
        if self.zone is None or self.zone.free_over is None or not self.in_stock_lines:
            return None
        goods = sum(view.paid for view in self.in_stock_lines)
        return max(self.zone.free_over - goods, 0)

    @property
    def delivery_problem(self) -> str:
        """Why the basket cannot go the way chosen, or "": pre-orders are posted on release,
        so they cannot be collected in person."""
        if self.zone is not None and self.zone.collection and self.preorder_lines:
            return (
                "Pre-orders are posted to you when they are released, so they cannot be "
                "collected: please choose where to post your order, or remove the pre-orders."
            )
        return ""

    @property
    def due_later(self) -> int:
        return self.total - self.due_now

    @property
    def in_stock_lines(self) -> list[LineView]:
        return [view for view in self.lines if not view.is_preorder]

    @property
    def preorder_lines(self) -> list[LineView]:
        return [view for view in self.lines if view.is_preorder]

    @property
    def saves_card(self) -> bool:
        return any(view.saves_card for view in self.lines)

    @property
    def due_now_display(self) -> str:
        return self.money(self.due_now)

    @property
    def due_later_display(self) -> str:
        return self.money(self.due_later)

    @property
    def item_count(self) -> int:
        return sum(view.line.quantity for view in self.lines)

    @property
    def has_problems(self) -> bool:
        return any(view.problem for view in self.lines)

    def money(self, amount: int) -> str:
        return format_money(amount, self.currency)

    @property
    def subtotal_display(self) -> str:
        return self.money(self.subtotal)

    @property
    def discount_display(self) -> str:
        return self.money(-self.discount)

    @property
    def shipping_display(self) -> str:
        return self.money(self.shipping)

    @property
    def total_display(self) -> str:
        return self.money(self.total)


def summarise(request: HttpRequest) -> BasketSummary:
    """Price the basket from current product data and flag lines that cannot be bought now."""
    basket = current_basket(request)
    if basket is None:
        return BasketSummary(basket=None, zone=shipping.default_zone())
    lines = list(
        basket.lines.select_related("product__cover_image", "variant").prefetch_related(
            "product__cover_image__renditions"
        )
    )
    views = [LineView(line, _problem_with(line)) for line in lines]
    if any(view.problem for view in views):
        # Units held by this basket's own unpaid checkout (a buyer who went to pay and came
        # back) are theirs: paying again gives them back first (checkout.start_checkout).
        held = _held_by_open_checkouts(basket)
        views = [
            LineView(line, _problem_with(line, held.get((line.product_id, line.variant_id))))
            for line in lines
        ]
    # A zone staff have since deleted (or none chosen yet): the shop's first.
    zone = shipping.zone(basket.shipping_region) or shipping.default_zone()
    code, problem = basket.discount_code, ""
    if code is not None:
        problem = code.why_not_usable()
        summary = price(basket, views, zone, None if problem else code)
        if not problem and not summary.discount:
            problem = f"The code {code.code} does not apply to anything in your basket now."
        summary.discount_code, summary.discount_problem = code, problem
        return summary
    return price(basket, views, zone)


def price(
    basket: Basket,
    views: list[LineView],
    zone: shipping.ShippingZone | None,
    code: DiscountCode | None = None,
) -> BasketSummary:
    """What the basket costs and what of it is paid at checkout. `code`, if given, takes its
    discount off the items in stock. Those ship together at one charge (free from the zone's
    threshold on their total after the discount); each pre-order ships on its own on release,
    with its own charge, paid when the pre-order is."""
    in_stock = [view for view in views if not view.is_preorder]
    goods = [(view.product.pk, view.line.line_total) for view in in_stock]
    off = discounts.off_each_line(code, goods) if code is not None else [0] * len(goods)
    for view, discount in zip(in_stock, off, strict=True):
        view.discount = discount
    now_shipping = shipping.shipping_cost(
        zone,
        (view.product.shipping_class for view in in_stock),
        sum(view.paid for view in in_stock),
    )
    for view in views:
        if view.is_preorder:
            view.shipping = shipping.shipping_cost(
                zone, [view.product.shipping_class], view.line.line_total
            )
    paid_now = [view for view in views if view.paid_at_checkout]
    return BasketSummary(
        basket=basket,
        lines=views,
        currency=views[0].product.currency if views else DEFAULT_CURRENCY,
        zone=zone,
        subtotal=sum(view.line.line_total for view in views),
        shipping=now_shipping + sum(view.shipping for view in views),
        in_stock_shipping=now_shipping,
        due_now=sum(view.paid + view.shipping for view in paid_now) + now_shipping,
        discount_code=code,
        discount=sum(view.discount for view in in_stock),
    )


def _problem_with(line: BasketLine, held: int | None = None) -> str:
    """Why this line cannot be bought now, or "". `held` is how many units of it the basket's
    own unpaid checkout still holds, which count as in stock (or left to pre-order) for this
    basket."""
    product, held = line.product, held or 0
    if product.status == Product.Status.HIDDEN:
        return "No longer available: please remove it."
    if product.status == Product.Status.PRE_ORDER:
        left = product.preorder_units_left
        if not product.preorder_open or left == 0 and not held:
            return "Pre-orders have closed since you added it: please remove it."
        most = product.preorder_per_buyer_limit if left is None else left + held
        most = min(most, product.preorder_per_buyer_limit)
        if line.quantity > most:
            return f"Only {most} can be pre-ordered now: please lower the quantity."
        return ""
    stock = product.stock if line.variant is None else line.variant.stock
    if product.status == Product.Status.SOLD_OUT or stock == 0 and not held:
        return "Sold out since you added it: please remove it."
    most = product.per_order_limit if stock is None else stock + held
    most = min(most, product.per_order_limit)
    if line.quantity > most:
        return f"Only {most} can be ordered now: please lower the quantity."
    return ""


def _held_by_open_checkouts(basket: Basket) -> dict[tuple[int, int | None], int]:
    """Units per (product, variant) (stock, or pre-order units) taken by this basket's
    checkouts that are still awaiting payment."""
    units: dict[tuple[int, int | None], int] = {}
    pending = {"order__basket": basket, "order__status": Order.Status.PENDING}
    lines = OrderLine.objects.filter(**pending).values("product_id", "variant_id")
    preorders = PreOrder.objects.filter(**pending).values("product_id")
    for held in (lines, preorders):
        for row in held.annotate(units=Sum("quantity")):
            key = (row["product_id"], row.get("variant_id"))
            units[key] = units.get(key, 0) + row["units"]
    return units
