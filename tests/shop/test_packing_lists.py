"""Staff pack parcels from the admin: the orders export says what goes in each parcel and
where, and orders and pre-orders each have a printable packing list of the parcels still to
send, filtered as the listing is."""

import csv
import io

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shop import preorders
from shop.models import Order, PreOrder
from tests.factories import (
    JANE_LINES as JANE,
)
from tests.factories import (
    JANE_STRIPE_ADDRESS as STRIPE_ADDRESS,
)
from tests.factories import (
    PreOrderProductFactory,
    ProductFactory,
    make_order,
)

pytestmark = pytest.mark.django_db


def order_of(items, status=Order.Status.PAID, email="jane@example.com", session="cs_1"):
    order = make_order(
        items,
        email=email,
        session_id=session,
        shipping_name="Jane O'Reader",
        shipping_address=STRIPE_ADDRESS,
    )
    Order.objects.filter(pk=order.pk).update(status=status, paid_at=timezone.now())
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def book(home):
    return ProductFactory(title="Dirty Old Town", price=1699)


@pytest.fixture
def tote(home):
    return ProductFactory(title="Tote bag", price=1200)


def exported_orders(client) -> list[dict]:
    response = client.get(reverse("shop_orders:index"), {"export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def parcels(client, url_name: str, **query) -> dict[str, dict]:
    """The packing list as printed: per reference, its address lines and its items."""
    response = client.get(reverse(url_name), query)
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    found = {}
    for parcel in page.select("article.parcel"):
        address = parcel.select_one("address").get_text("\n")
        found[parcel.h2.get_text(strip=True)] = {
            "address": [line.strip() for line in address.splitlines() if line.strip()],
            "items": [
                tuple(td.get_text(strip=True) for td in row.select("td")[:2])
                for row in parcel.select("tbody tr")
            ],
        }
    return found


def test_the_orders_export_lists_the_items_and_the_address(admin_client, book, tote):
    order_of([(book, 2), (tote, 1)])

    [row] = exported_orders(admin_client)

    assert row["Items"] == "2 × Dirty Old Town; 1 × Tote bag"
    assert row["Address"] == ", ".join(JANE)


def test_the_orders_export_reads_the_items_of_every_order_at_once(admin_client, book, tote):
    """An order's items come with the rest, not one query per order."""
    order_of([(book, 1)], session="cs_a")
    with CaptureQueriesContext(connection) as few:
        exported_orders(admin_client)
    for n in range(10):
        order_of([(book, 1), (tote, 2)], session=f"cs_more_{n}")

    with CaptureQueriesContext(connection) as many:
        rows = exported_orders(admin_client)

    assert len(rows) == 11
    assert len(many) == len(few)


def test_the_orders_packing_list_shows_each_parcel_still_to_send(admin_client, book, tote):
    paid = order_of([(book, 2), (tote, 1)], session="cs_paid")
    packed = order_of([(tote, 3)], status=Order.Status.PACKED, session="cs_packed")
    shipped = order_of([(book, 1)], status=Order.Status.SHIPPED, session="cs_shipped")
    pending = order_of([(book, 1)], status=Order.Status.PENDING, session="cs_pending")

    found = parcels(admin_client, "shop_orders:packing_list")

    assert list(found) == [paid.reference, packed.reference]  # oldest first
    assert found[paid.reference] == {
        "address": JANE,
        "items": [("2", "Dirty Old Town"), ("1", "Tote bag")],
    }
    assert shipped.reference not in found and pending.reference not in found


def test_the_packing_list_is_filtered_as_the_listing_is(admin_client, book, tote):
    jane = order_of([(book, 1)], session="cs_jane")
    other = order_of([(tote, 1)], email="ruth@example.com", session="cs_ruth")

    listing = BeautifulSoup(
        admin_client.get(reverse("shop_orders:index"), {"q": "ruth@"}).content, "html.parser"
    )
    link = next(a for a in listing.select("a[href]") if a.get_text(strip=True) == "Packing list")
    found = parcels(admin_client, "shop_orders:packing_list", q="ruth@")

    assert link["href"] == reverse("shop_orders:packing_list") + "?q=ruth%40"
    assert list(found) == [other.reference]
    assert jane.reference not in found


def test_the_pre_orders_packing_list_shows_paid_pre_orders_of_a_campaign(admin_client, home):
    book = PreOrderProductFactory(title="Dirty Old Town")
    other_book = PreOrderProductFactory(title="Canal walks")
    made = {}
    for email, product, status in [
        ("jane@example.com", book, PreOrder.Status.PAID),
        ("reserved@example.com", book, PreOrder.Status.RESERVED),
        ("shipped@example.com", book, PreOrder.Status.SHIPPED),
        ("canal@example.com", other_book, PreOrder.Status.PAID),
    ]:
        buyer = preorders.Buyer(
            "Jane O'Reader", email, "1 High St", "Flat 2", "London", "SW1A 1AA", "GB"
        )
        preorder, _ = preorders.place_preorder(product.pk, 2, buyer, f"token-{email}")
        PreOrder.objects.filter(pk=preorder.pk).update(status=status)
        made[email] = preorder.reference

    found = parcels(admin_client, "shop_preorders:packing_list", product=book.pk)

    assert list(found) == [made["jane@example.com"]]
    assert found[made["jane@example.com"]] == {"address": JANE, "items": [("2", "Dirty Old Town")]}


@pytest.mark.parametrize("group", ["Shop staff", "Shop managers"])
def test_each_shop_role_finds_and_opens_both_packing_lists(client, django_user_model, home, group):
    user = django_user_model.objects.create_user("packer", password="pw")
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)

    for listing, packing_list in [
        ("shop_orders:index", "shop_orders:packing_list"),
        ("shop_preorders:index", "shop_preorders:packing_list"),
    ]:
        page = BeautifulSoup(client.get(reverse(listing)).content, "html.parser")
        assert page.find("a", href=reverse(packing_list)) is not None
        assert client.get(reverse(packing_list)).status_code == 200


def test_editors_without_shop_rights_are_refused_the_packing_list(client, django_user_model):
    user = django_user_model.objects.create_user("writer", password="pw")
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)

    response = client.get(reverse("shop_orders:packing_list"))

    assert response.status_code in (302, 403)
