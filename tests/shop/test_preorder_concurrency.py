"""Fifty buyers at once for the last ten pre-order units, on PostgreSQL."""

import pytest
from django.db import connection

from shop import preorders, shipping
from shop.forms import new_form_token
from shop.models import PreOrder, Product
from tests.factories import PreOrderProductFactory
from tests.shop.test_concurrency import race_collecting

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def buyer(n: int) -> preorders.Buyer:
    return preorders.Buyer(
        name=f"Buyer {n}",
        email=f"buyer{n}@example.com",
        address_line1="1 Canal Street",
        address_line2="",
        city="Salford",
        postcode="M5 4WT",
        country="GB",
    )


def test_fifty_buyers_for_the_last_ten_units_never_oversell():
    book = PreOrderProductFactory(title="Dirty Old Town", preorder_cap=300)
    Product.objects.filter(pk=book.pk).update(preorder_reserved=290)

    made, refused = race_collecting(
        50,
        lambda n: preorders.place_preorder(book.pk, 1, buyer(n), new_form_token()),
        preorders.PreOrderError,
    )

    assert len(made) == 10
    assert len(refused) == 40
    assert {error.message for error in refused} == {
        "Sorry, the pre-order for “Dirty Old Town” is now full. Nothing was reserved."
    }
    assert PreOrder.objects.count() == 10
    assert Product.objects.get(pk=book.pk).preorder_reserved == 300


def test_the_same_form_token_submitted_twice_at_once_makes_one_pre_order():
    book = PreOrderProductFactory()
    token = new_form_token()

    made, refused = race_collecting(
        2, lambda n: preorders.place_preorder(book.pk, 2, buyer(0), token), preorders.PreOrderError
    )

    assert refused == []
    assert len({preorder.pk for preorder, _ in made}) == 1
    assert sorted(created for _, created in made) == [False, True]
    assert Product.objects.get(pk=book.pk).preorder_reserved == 2
    connection.close()


def test_baskets_and_the_form_racing_for_the_last_units_never_oversell():
    """Pre-orders bought in a basket (with a tote) and on the form take units under the same
    row lock: together they fill the cap exactly, and a refused basket takes no tote."""
    from shop import checkout
    from shop.basket import BasketSummary, LineView
    from shop.models import BasketLine, Order
    from tests.factories import ProductFactory

    book = PreOrderProductFactory(title="Dirty Old Town", preorder_cap=300)
    tote = ProductFactory(title="Tote", stock=100, per_order_limit=5)
    Product.objects.filter(pk=book.pk).update(preorder_reserved=290)

    def basket_of_both() -> BasketSummary:
        lines = [
            BasketLine(product=Product.objects.get(pk=pk), quantity=1) for pk in (tote.pk, book.pk)
        ]
        return BasketSummary(
            basket=None, lines=[LineView(line) for line in lines], zone=shipping.zone("uk")
        )

    def attempt(n):
        if n % 2:
            return preorders.place_preorder(book.pk, 1, buyer(n), new_form_token())
        return checkout.create_order_taking_stock(basket_of_both(), f"buyer{n}@example.com")

    made, refused = race_collecting(40, attempt, (preorders.PreOrderError, checkout.CheckoutError))

    orders = Order.objects.count()
    assert len(made) == 10 and len(refused) == 30
    assert PreOrder.objects.count() == 10
    assert PreOrder.objects.filter(order__isnull=False).count() == orders
    assert Product.objects.get(pk=book.pk).preorder_reserved == 300
    assert Product.objects.get(pk=tote.pk).stock == 100 - orders


def test_one_buyer_submitting_from_eight_tabs_at_once_never_passes_the_per_buyer_limit():
    """The pre-order is written before the campaign's row is locked, so the limit is counted
    again under the lock, where every earlier tab's pre-order is committed and seen."""
    book = PreOrderProductFactory(title="Dirty Old Town", preorder_per_buyer_limit=4)

    made, refused = race_collecting(
        8,
        lambda n: preorders.place_preorder(book.pk, 1, buyer(0), new_form_token()),
        preorders.PreOrderError,
    )

    assert len(made) == 4 and len(refused) == 4
    assert all(
        error.message.startswith("You can pre-order up to 4 of “Dirty Old Town”.")
        for error in refused
    )
    assert PreOrder.objects.filter(email="buyer0@example.com").count() == 4
    assert Product.objects.get(pk=book.pk).preorder_reserved == 4
