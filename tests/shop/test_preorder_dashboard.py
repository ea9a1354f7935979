"""The admin home page's pre-order panel: what a campaign has taken stays taken when the
parcels go out, and leaves the count only when it is refunded."""

import pytest
from bs4 import BeautifulSoup

from shop import preorders
from shop.models import PreOrder
from tests.factories import PreOrderProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(home):
    return PreOrderProductFactory(title="Dirty Old Town", price=1699, preorder_cap=100)


def pre_order(book, email: str, status: str) -> PreOrder:
    buyer = preorders.Buyer("Jane O'Reader", email, "1 High St", "", "London", "SW1A 1AA", "GB")
    preorder, _ = preorders.place_preorder(book.pk, 1, buyer, f"token-{email}")
    PreOrder.objects.filter(pk=preorder.pk).update(status=status)
    return preorder


def panel_row(admin_client, title: str) -> dict[str, str]:
    page = BeautifulSoup(admin_client.get("/admin/").content, "html.parser")
    table = page.select_one("#preorders-panel-heading").find_parent("section").table
    headings = [th.get_text(strip=True) for th in table.select("thead th")]
    for row in table.select("tbody tr"):
        cells = [td.get_text(strip=True) for td in row.select("td")]
        if cells[0] == title:
            return dict(zip(headings, cells, strict=True))
    raise AssertionError(f"no row for {title}")


def test_money_taken_stays_taken_when_paid_pre_orders_ship(admin_client, book):
    pre_order(book, "a@example.com", PreOrder.Status.PAID)  # £16.99 + £2.95 each
    pre_order(book, "b@example.com", PreOrder.Status.SHIPPED)
    pre_order(book, "c@example.com", PreOrder.Status.REFUNDED)
    pre_order(book, "d@example.com", PreOrder.Status.RESERVED)

    row = panel_row(admin_client, "Dirty Old Town")

    assert row["Taken"] == "£39.88"  # the paid and the shipped one, not the refund
    assert row["Still to take"] == "£19.94"
