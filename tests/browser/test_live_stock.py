"""Live figures on cached pages in a real browser: a sale elsewhere shows on a product page the
page cache keeps serving, without the page being retired."""

import pytest
from playwright.sync_api import expect

from shop.models import Product

pytestmark = pytest.mark.browser

TOTE = "Dirty Old Town tote bag"


def test_a_cached_product_page_shows_sold_out_after_the_last_unit_sells_elsewhere(
    demo_site, fake_stripe, browser
):
    tote = Product.objects.get(title=TOTE)
    Product.objects.filter(pk=tote.pk).update(stock=1)
    url = demo_site + tote.get_absolute_url()

    reader = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    assert reader.goto(url).headers["x-cache"] == "MISS"
    figure = reader.locator(".product__info [data-live-stock]")
    buy = reader.locator("main form.buy-form").get_by_role("button", name="Add to basket")
    expect(figure).to_have_text("In stock: only 1 left")
    expect(buy).to_be_enabled()

    # Another buyer takes the last one: starting checkout takes the stock.
    buyer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    buyer.goto(url)
    buyer.locator("main form.buy-form").get_by_role("button", name="Add to basket").click()
    buyer.get_by_label("Email for your receipt").fill("buyer@example.com")
    buyer.get_by_role("button", name="securely with Stripe").click()
    expect(buyer.locator("body")).to_contain_text("12.00")  # the hosted payment page
    assert Product.objects.get(pk=tote.pk).stock == 0

    assert reader.reload().headers["x-cache"] == "HIT"  # the same page, still cached
    expect(figure).to_have_text("Sold out")
    expect(buy).to_be_disabled()
    expect(reader.locator("main form.buy-form button:enabled")).to_have_count(0)
