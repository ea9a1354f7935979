"""A newcomer runs `make run` with no Stripe key and pays for something: the local Stripe
server bin/with-demo-stripe starts takes the payment, under the site's production CSP."""

import re

import pytest
from playwright.sync_api import expect

from shop.models import Order
from tests.browser.test_content_security_policy import PolicyWatch
from tests.demo_payments import is_listening, start_demo_payments

pytestmark = pytest.mark.browser


def test_a_newcomer_pays_with_the_test_card_on_the_local_stripe_page(demo_site, settings, browser):
    demo = start_demo_payments(demo_site)
    try:
        demo.point_site_at_it(settings)
        watch = PolicyWatch(browser)
        page = watch.page
        watch.visit(demo_site + "/shop/products/dirty-old-town-tote-bag/")
        page.get_by_role("button", name="Add to basket").first.click()
        expect(page).to_have_url(demo_site + "/shop/basket/")
        expect(page.locator(".test-mode")).to_contain_text("Test mode: no real payments.")
        watch.collect()

        page.get_by_label("Email for your receipt").fill("newcomer@example.com")
        page.get_by_role("button", name="Pay £16.95 securely with Stripe").click()
        expect(page).to_have_url(re.compile(re.escape(demo.api_base + "/pay/cs_")))
        expect(page.locator("body")).to_contain_text("£16.95")
        page.get_by_role("button", name="Pay", exact=True).click()

        expect(page.get_by_role("heading", level=1)).to_contain_text("Order Q-")
        expect(page.locator(".order-status")).to_contain_text("your payment is confirmed")
        watch.collect()
        assert watch.violations == []
        assert watch.outside == []
        order = Order.objects.get()
        assert order.status == Order.Status.PAID
        assert order.email == "newcomer@example.com"
        watch.context.close()
    finally:
        demo.stop_site()
    assert not is_listening(demo.api_base)
