"""A shop manager makes a one-use code for 15% off the tote bag under Shop → Discount codes; a
buyer types it in the basket, sees what it takes off, and pays on the local Stripe server
exactly the total the basket, the order page and the VAT invoice show. The next buyer to try
it is told it has been used."""

import pytest
from playwright.sync_api import expect

from shop import payments
from shop.models import DiscountCode, Order
from tests.browser.test_campaign_admin import make_user, sign_in

pytestmark = pytest.mark.browser


def add_tote_and_cd(page, site):
    for slug in ["dirty-old-town-tote-bag", "songs-from-the-launch-night"]:
        page.goto(f"{site}/shop/products/{slug}/")
        page.get_by_role("button", name="Add to basket").click()
        expect(page).to_have_url(site + "/shop/basket/")  # the add is done before the next


def test_a_manager_makes_a_code_and_a_buyer_pays_the_discounted_total(
    demo_site, fake_stripe, browser, django_user_model, tmp_path
):
    make_user(django_user_model, "manager", "Shop managers")
    admin = sign_in(browser, demo_site, "manager")
    errors = []
    admin.on("pageerror", lambda error: errors.append(f"{admin.url}: {error}"))
    admin.get_by_role("button", name="Shop").click()
    admin.get_by_role("link", name="Discount codes").click()
    admin.get_by_role("link", name="Add discount code").click()
    admin.get_by_role("textbox", name="Code*").fill("spring15")
    admin.get_by_role("radio", name="Percentage off").check()
    admin.get_by_role("spinbutton", name="Percentage off").fill("15")
    admin.get_by_role("checkbox", name="Dirty Old Town tote bag").check()
    admin.get_by_role("spinbutton", name="Most orders").fill("1")
    admin.get_by_role("button", name="Create").click()
    expect(admin.locator(".messages")).to_contain_text("SPRING15")
    expect(admin.get_by_role("row").filter(has_text="SPRING15")).to_contain_text("15% off")
    assert not errors

    buyer = browser.new_page()
    buyer.set_default_timeout(15_000)
    add_tote_and_cd(buyer, demo_site)
    buyer.get_by_label("Discount code").fill("spring15")
    buyer.get_by_role("button", name="Apply").click()
    expect(buyer.locator(".messages")).to_have_text("The code SPRING15 is applied: 15% off.")
    tote = buyer.get_by_role("row").filter(has_text="Dirty Old Town tote bag")
    expect(tote.locator(".line-discount")).to_have_text("£1.80 off with SPRING15")
    totals = buyer.get_by_role("table", name="Your basket's total")
    expect(totals.get_by_role("row", name="Discount (SPRING15)")).to_contain_text("-£1.80")
    expect(totals.locator(".basket-total td")).to_have_text("£25.14")  # 21.99 - 1.80 + 4.95
    buyer.screenshot(path=tmp_path / "basket.png", full_page=True)
    buyer.get_by_label("Email for your receipt").fill("ann@example.com")
    buyer.get_by_role("button", name="Pay £25.14 securely with Stripe").click()
    buyer.get_by_label("Name").fill("Ann Reader")
    buyer.get_by_role("button", name="Pay", exact=True).click()

    expect(buyer.get_by_role("heading", level=1)).to_contain_text("Order Q-")
    expect(buyer.get_by_role("row", name="Discount (SPRING15)")).to_contain_text("-£1.80")
    expect(buyer.locator(".basket-total td")).to_have_text("£25.14")
    expect(buyer.get_by_role("row", name="Includes VAT")).to_contain_text("£4.20")
    order = Order.objects.get()
    session = payments._client().v1.checkout.sessions.retrieve(order.stripe_session_id)
    assert order.total == session.amount_total == 2514  # to the penny
    buyer.get_by_role("link", name="VAT invoice").click()
    lines = buyer.get_by_role("table", name="What you paid for, in GBP")
    discounted = lines.get_by_role("row", name="Dirty Old Town tote bag (less £1.80")
    expect(discounted.get_by_role("cell")).to_have_text(["1", "£8.50", "20%", "£1.70", "£10.20"])
    expect(lines.get_by_role("row", name="Total paid")).to_contain_text("£25.14")
    buyer.screenshot(path=tmp_path / "invoice.png", full_page=True)
    buyer.close()

    next_buyer = browser.new_page()
    next_buyer.set_default_timeout(15_000)
    add_tote_and_cd(next_buyer, demo_site)
    next_buyer.get_by_label("Discount code").fill("SPRING15")
    next_buyer.get_by_role("button", name="Apply").click()
    expect(next_buyer.locator(".messages")).to_have_text(
        "The code SPRING15 has been used as many times as it can be."
    )
    expect(next_buyer.locator(".basket-total td")).to_have_text("£26.94")
    assert DiscountCode.objects.get(code="SPRING15").uses() == 1
    next_buyer.close()
