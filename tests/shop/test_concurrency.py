"""Buyers racing for the last units on PostgreSQL: stock is never oversold."""

import threading

import pytest
from django.db import connection

from shop import checkout, shipping
from shop.basket import BasketSummary, LineView
from shop.models import BasketLine, Order, Product
from tests.factories import ProductFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def summary_for(product: Product, quantity: int = 1) -> BasketSummary:
    line = BasketLine(product=product, quantity=quantity)
    return BasketSummary(
        basket=None,
        lines=[LineView(line)],
        currency=product.currency,
        zone=shipping.zone("uk"),
        subtotal=product.price * quantity,
        shipping=295,
    )


def race_collecting(buyers: int, attempt, refusal: type[Exception]) -> tuple[list, list]:
    """Run `attempt(n)` in `buyers` threads released together, each on its own database
    connection; returns (results, refusals raised as `refusal`)."""
    start = threading.Barrier(buyers)
    results, refusals, lock = [], [], threading.Lock()

    def buyer(n):
        try:
            start.wait()
            result = attempt(n)
            with lock:
                results.append(result)
        except refusal as error:
            with lock:
                refusals.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=buyer, args=(n,)) for n in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, refusals


def race(buyers: int, attempt) -> tuple[list, list[str]]:
    results, refusals = race_collecting(buyers, attempt, checkout.CheckoutError)
    return results, [error.message for error in refusals]


def test_twenty_buyers_race_for_the_last_five_units():
    product = ProductFactory(title="Last copies", stock=5, per_order_limit=5)

    orders, refusals = race(
        20,
        lambda n: checkout.create_order_taking_stock(
            summary_for(Product.objects.get(pk=product.pk)), f"buyer{n}@example.com"
        ),
    )

    assert len(orders) == 5
    assert len(refusals) == 15
    assert set(refusals) == {"Sorry, “Last copies” has just sold out."}
    assert Product.objects.get(pk=product.pk).stock == 0
    assert Order.objects.count() == 5


def test_a_buyer_wanting_more_than_is_left_gets_nothing_and_takes_nothing():
    product = ProductFactory(title="Few left", stock=3, per_order_limit=5)

    orders, refusals = race(
        6,
        lambda n: checkout.create_order_taking_stock(
            summary_for(Product.objects.get(pk=product.pk), quantity=2), f"b{n}@example.com"
        ),
    )

    assert len(orders) == 1
    assert Product.objects.get(pk=product.pk).stock == 1
    assert all("only 1 of “Few left” left" in message for message in refusals)


def test_twelve_buyers_race_for_a_discount_code_good_for_three_orders():
    from shop.models import DiscountCode

    # Each buys a different product, so no product lock queues them: only the code's can.
    products = [ProductFactory(title=f"Print {n}", price=1200) for n in range(12)]
    three_uses = DiscountCode.objects.create(code="FIRST3", percent=10, usage_cap=3)

    def checkout_with_the_code(n):
        summary = summary_for(Product.objects.get(pk=products[n].pk))
        summary.discount_code, summary.discount = three_uses, 120
        return checkout.create_order_taking_stock(summary, f"buyer{n}@example.com")

    orders, refusals = race(12, checkout_with_the_code)

    assert len(orders) == 3
    assert all(order.discount == 120 for order in orders)
    assert len(refusals) == 9
    assert set(refusals) == {
        "The code FIRST3 has been used as many times as it can be. "
        "Your basket now shows the price without it."
    }
    assert Order.objects.filter(discount_code=three_uses).count() == 3
    assert three_uses.uses() == 3


def test_buyers_race_for_the_last_units_of_one_variant_while_another_sells_freely():
    from shop.models import ProductVariant

    shirt = ProductFactory.build(title="T-shirt", slug="t-shirt", per_order_limit=5)
    shirt.variants = [
        ProductVariant(name="M", stock=3),
        ProductVariant(name="L", stock=20),
    ]
    shirt.save()
    medium, large = shirt.variants.get(name="M"), shirt.variants.get(name="L")

    def checkout_variant(n):
        line = BasketLine(
            product=Product.objects.get(pk=shirt.pk), variant=medium if n % 2 else large
        )
        line.quantity = 1
        summary = summary_for(line.product)
        summary.lines = [LineView(line)]
        return checkout.create_order_taking_stock(summary, f"buyer{n}@example.com")

    orders, refusals = race(16, checkout_variant)

    assert len(orders) == 3 + 8  # three of the eight wanting M, all eight wanting L
    assert set(refusals) == {"Sorry, “T-shirt (M)” has just sold out."}
    medium.refresh_from_db()
    large.refresh_from_db()
    shirt.refresh_from_db()
    assert (medium.stock, large.stock, shirt.stock) == (0, 12, 12)
