"""A shop manager offers free UK delivery from £30 under Shop → Delivery zones; the delivery page
and the basket say so at once, and a shopper sending an order to Europe pays Europe's charge
on the local Stripe server, which takes an address in Europe only."""

import pytest
from playwright.sync_api import expect

from shop.models import Order, ShippingZone
from tests.browser.test_campaign_admin import make_user, sign_in

pytestmark = pytest.mark.browser


def test_a_manager_sets_free_delivery_and_a_shopper_sees_and_pays_the_zones_charge(
    demo_site, fake_stripe, browser, django_user_model
):
    make_user(django_user_model, "manager", "Shop managers")
    admin = sign_in(browser, demo_site, "manager")
    errors = []
    admin.on("pageerror", lambda error: errors.append(f"{admin.url}: {error}"))

    admin.get_by_role("button", name="Shop").click()
    admin.get_by_role("link", name="Delivery zones").click()
    expect(admin.get_by_role("link", name="United Kingdom")).to_be_visible()
    expect(admin.locator("main")).to_contain_text("small parcel £2.95, large parcel £4.95")
    admin.get_by_role("link", name="United Kingdom").click()
    expect(admin.get_by_role("textbox", name="Small parcel charge*")).to_have_value("2.95")
    expect(admin.get_by_role("checkbox", name="United Kingdom")).to_be_checked()
    admin.get_by_role("textbox", name="Free delivery from").fill("£30")
    admin.get_by_role("button", name="Save").click()
    expect(admin.locator(".messages")).to_contain_text("United Kingdom")
    expect(admin.locator("main")).to_contain_text("free from £30.00")
    assert ShippingZone.objects.get(code="uk").free_over == 3000

    shopper = browser.new_page()
    shopper.set_default_timeout(15_000)
    shopper.goto(demo_site + "/delivery-and-returns/")
    charges = shopper.get_by_role("table", name="Delivery charges, per order")
    uk = charges.get_by_role("row").filter(has_text="United Kingdom")
    expect(uk).to_contain_text("from £30.00")
    expect(charges.get_by_role("row").filter(has_text="Europe")).to_contain_text("£5.95")

    shopper.goto(demo_site + "/shop/products/dirty-old-town-tote-bag/")
    shopper.get_by_role("button", name="Add to basket").click()
    expect(shopper.locator(".basket-free-delivery")).to_have_text(
        "Add £18.00 more for free delivery to United Kingdom."
    )
    shopper.get_by_label("Quantity of Dirty Old Town tote bag").fill("3")
    shopper.get_by_role("button", name="Update", exact=True).click()
    expect(shopper.locator(".basket-total td")).to_have_text("£36.00")  # delivery free
    expect(shopper.locator(".basket-free-delivery")).to_contain_text("Free delivery")

    shopper.get_by_label("Shipping to").select_option(label="Europe")
    shopper.get_by_role("button", name="Update shipping").click()
    expect(shopper.locator(".basket-total td")).to_have_text("£47.95")  # 3 × £12 + £11.95
    expect(shopper.locator(".basket-free-delivery")).to_have_count(0)
    shopper.get_by_label("Email for your receipt").fill("anne@example.com")
    shopper.get_by_role("button", name="Pay £47.95 securely with Stripe").click()

    shopper.get_by_label("Country").fill("GB")
    shopper.get_by_role("button", name="Pay", exact=True).click()
    expect(shopper.locator("body")).to_contain_text("We cannot ship to that country.")
    shopper.get_by_label("Country").fill("FR")
    shopper.get_by_role("button", name="Pay", exact=True).click()
    expect(shopper.get_by_role("heading", level=1)).to_contain_text("Order Q-")
    order = Order.objects.get()
    assert (order.shipping_region, order.shipping, order.total) == ("europe", 1195, 4795)
    shopper.wait_for_load_state("networkidle")
    assert errors == []
