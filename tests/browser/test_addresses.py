"""Buyers see their delivery address written as on the parcel, in a real browser: after paying
through the local Stripe server, and on a pre-order's thank-you and private pages."""

import pytest
from playwright.sync_api import expect

from shop.models import Order, PreOrder

pytestmark = pytest.mark.browser


def lines_of(locator) -> list[str]:
    return [line.strip() for line in locator.inner_text().splitlines() if line.strip()]


def test_a_buyer_reads_their_address_in_postal_order_after_paying(demo_site, fake_stripe, browser):
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(demo_site + "/shop/products/dirty-old-town-tote-bag/")
    page.get_by_role("button", name="Add to basket").click()
    page.get_by_label("Email for your receipt").fill("jane@example.com")
    page.get_by_role("button", name="securely with Stripe").click()

    page.get_by_label("Name").fill("Jane O'Reader")  # on the local Stripe server's page
    page.get_by_label("Address").fill("1 High St")
    page.get_by_label("City").fill("London")
    page.get_by_label("Postal code").fill("SW1A 1AA")
    page.get_by_role("button", name="Pay", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Order Q-")
    expect(page.get_by_role("heading", name="Delivery address")).to_be_visible()
    assert lines_of(page.locator("address")) == [
        "Jane O'Reader",
        "1 High St",
        "London",
        "SW1A 1AA",
        "United Kingdom",
    ]
    assert Order.objects.get().shipping_address["postal_code"] == "SW1A 1AA"
    page.wait_for_load_state("networkidle")
    page.close()


def test_a_pre_order_buyer_reads_their_address_in_postal_order(demo_site, browser):
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(demo_site + "/shop/pre-order/?product=dirty-old-town")
    page.get_by_label("Full name").fill("Jane O'Reader")
    page.get_by_label("Email").fill("jane@example.com")
    page.get_by_label("Address").first.fill("1 High St")
    page.get_by_label("Address line 2").fill("Flat 2")
    page.get_by_label("Town or city").fill("London")
    page.get_by_label("Postcode").fill("SW1A 1AA")
    page.get_by_label("I have read the terms").check()
    page.get_by_role("button", name="Place my pre-order").click()

    jane = ["Jane O'Reader", "1 High St", "Flat 2", "London", "SW1A 1AA", "United Kingdom"]
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    assert lines_of(page.locator(".preorder-summary address")) == jane

    page.goto(demo_site + PreOrder.objects.get().get_absolute_url())
    assert lines_of(page.locator(".preorder-summary address")) == jane
    page.wait_for_load_state("networkidle")
    page.close()
