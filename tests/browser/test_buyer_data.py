"""A buyer asks to see and then erase their data: a shop manager finds the Buyer data page in
the Shop menu, downloads the export and erases after confirming, in a real browser against the
local Stripe server."""

import json
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import expect

from shop import orders, payments, settlement
from shop.models import BuyerDataRequest, Order, Product
from shop.models.orders import ERASED_EMAIL
from tests.browser.test_campaign_admin import make_user, sign_in
from tests.shop.test_checkout import add, session_id_from, start_checkout

pytestmark = pytest.mark.browser

BUYER = "ruth@example.com"


@pytest.fixture
def shipped_order(demo_site, fake_stripe, smtp_inbox):
    """A buyer's order of two tote bags, paid on the local Stripe server and shipped."""
    buyer = Client()
    add(buyer, Product.objects.get(slug="dirty-old-town-tote-bag"), 2)
    session_id = session_id_from(start_checkout(buyer, BUYER)["Location"])
    fake_stripe.pay(session_id)
    order = settlement.settle(payments.retrieve_checkout_session(session_id))
    return orders.change_status(order.pk, Order.Status.SHIPPED, "RM123456789GB")


def test_a_shop_manager_exports_a_buyers_data_and_erases_it_after_confirming(
    demo_site, shipped_order, browser, django_user_model
):
    make_user(django_user_model, "manager", "Shop managers")
    page = sign_in(browser, demo_site, "manager")
    errors = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))

    page.get_by_role("button", name="Shop").click()
    page.get_by_role("link", name="Buyer data").click()
    page.get_by_label("Buyer's email address").fill("Ruth@Example.com")
    page.get_by_role("button", name="Look up").click()

    expect(page.locator("table.buyer-data__orders")).to_contain_text(shipped_order.reference)
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download everything held (JSON)").click()
    download = downloading.value
    assert download.suggested_filename.startswith("buyer-data-")
    export = json.loads(Path(download.path()).read_text())
    assert export["email"] == BUYER
    assert [o["reference"] for o in export["orders"]] == [shipped_order.reference]
    assert export["orders"][0]["items"][0]["title"] == "Dirty Old Town tote bag"

    page.get_by_role("button", name="Erase…").click()
    expect(page.get_by_role("heading", name=f"Erase {BUYER}?")).to_be_visible()
    expect(page.locator(".buyer-data__plan")).to_contain_text("1 order anonymised")
    assert Order.objects.get(pk=shipped_order.pk).email == BUYER  # nothing yet
    page.get_by_role("button", name="Erase now").click()

    expect(page.locator(".messages")).to_contain_text("Erased: orders anonymised: 1")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inspect")
    order = Order.objects.get(pk=shipped_order.pk)
    assert (order.email, order.status, order.total) == (
        ERASED_EMAIL,
        Order.Status.SHIPPED,
        shipped_order.total,
    )
    assert [r.action for r in BuyerDataRequest.objects.order_by("pk")] == ["export", "erasure"]
    assert errors == []
    page.wait_for_load_state("networkidle")
