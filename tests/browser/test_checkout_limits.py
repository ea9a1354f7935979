"""A visitor who keeps starting checkout is stopped at the basket with the reason and their
basket intact, while another visitor buys the same product."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from shop.models import Order, Product

pytestmark = pytest.mark.browser

TOTE = "dirty-old-town-tote-bag"


def start_checkout(page, email="hoarder@example.com"):
    page.get_by_label("Email for your receipt").fill(email)
    page.get_by_role("button", name="securely with Stripe").click()


def test_a_visitor_starting_checkout_again_and_again_is_stopped_and_keeps_the_basket(
    demo_site, fake_stripe, live_server, browser, settings
):
    settings.QUIRE_CHECKOUT_LIMIT_PER_SESSION = (2, 3600)
    fake_stripe.register_webhook(
        live_server.url + reverse("shop:stripe_webhook"), settings.STRIPE_WEBHOOK_SECRET
    )
    hoarder = browser.new_context().new_page()
    hoarder.set_default_timeout(15_000)
    hoarder.goto(demo_site + f"/shop/products/{TOTE}/")
    hoarder.get_by_role("button", name="Add to basket").click()
    hoarder.get_by_label("Quantity of Dirty Old Town tote bag").fill("3")
    hoarder.get_by_role("button", name="Update", exact=True).click()
    for _ in range(2):
        start_checkout(hoarder)
        expect(hoarder.locator("body")).to_contain_text("£40.95")  # the payment page
        hoarder.goto(demo_site + "/shop/basket/")
    stock_held = Product.objects.get(slug=TOTE).stock
    orders = Order.objects.count()

    start_checkout(hoarder)

    expect(hoarder).to_have_url(demo_site + "/shop/basket/")
    expect(hoarder.locator(".message")).to_have_text(
        "Checkout has been started too many times from here in the last 60 minutes. "
        "Your basket is kept just as it is; please try again later."
    )
    expect(hoarder.get_by_label("Quantity of Dirty Old Town tote bag")).to_have_value("3")
    expect(hoarder.get_by_label("Email for your receipt")).to_have_value("hoarder@example.com")
    assert Order.objects.count() == orders
    assert Product.objects.get(slug=TOTE).stock == stock_held

    buyer = browser.new_context().new_page()
    buyer.set_default_timeout(15_000)
    buyer.goto(demo_site + f"/shop/products/{TOTE}/")
    buyer.get_by_role("button", name="Add to basket").click()
    start_checkout(buyer, "buyer@example.com")
    buyer.get_by_role("button", name="Pay", exact=True).click()
    expect(buyer.locator(".order-status")).to_contain_text("your payment is confirmed")
    fake_stripe.wait_for_deliveries()
    buyer.wait_for_load_state("networkidle")
    hoarder.wait_for_load_state("networkidle")
