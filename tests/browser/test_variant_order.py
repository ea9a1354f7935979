"""The whole shop in one order: a buyer chooses a size and colour of the demo's T-shirt, applies a
discount code, pays delivery by zone to a VAT-registered shop on the local Stripe server, and
every total (basket, Stripe, order page, receipt, VAT invoice) agrees to the penny."""

import pytest
from playwright.sync_api import expect

from shop import payments
from shop.models import Order, PreOrder, Product, ProductVariant
from tests.browser.preorder_form import fill_in_pre_order
from tests.conftest import addressee

pytestmark = pytest.mark.browser


def test_a_variant_with_a_discount_code_vat_and_delivery_matches_stripe_to_the_penny(
    demo_site, fake_stripe, smtp_inbox, browser, tmp_path
):
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(demo_site + "/shop/products/gasworks-skyline-t-shirt/")
    page.get_by_label("Size and colour").select_option(label="M, black: £18.00")
    page.get_by_label("Quantity").fill("2")
    page.screenshot(path=tmp_path / "product.png", full_page=True)
    page.get_by_role("button", name="Add to basket").click()

    expect(page.locator(".messages")).to_have_text(
        "Added “Gasworks skyline T-shirt (M, black)” to your basket."
    )
    expect(page.locator(".line-variant")).to_have_text("Size and colour: M, black")
    page.get_by_label("Discount code").fill("welcome10")
    page.get_by_role("button", name="Apply").click()
    totals = page.get_by_role("table", name="Your basket's total")
    expect(totals.get_by_role("row", name="Discount (WELCOME10)")).to_contain_text("-£3.60")
    expect(totals.get_by_role("row", name="Delivery")).to_contain_text("£4.95")
    expect(totals.locator(".basket-total td")).to_have_text("£37.35")  # 36.00 - 3.60 + 4.95
    page.screenshot(path=tmp_path / "basket.png", full_page=True)
    page.get_by_label("Email for your receipt").fill("ann@example.com")
    page.get_by_role("button", name="Pay £37.35 securely with Stripe").click()
    page.get_by_label("Name").fill("Ann Reader")
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Order Q-")

    expect(page.get_by_role("row", name="Gasworks skyline T-shirt (M, black)")).to_be_visible()
    expect(page.get_by_role("row", name="Discount (WELCOME10)")).to_contain_text("-£3.60")
    expect(page.locator(".basket-total td")).to_have_text("£37.35")
    expect(page.get_by_role("row", name="Includes VAT")).to_contain_text("£6.23")
    order = Order.objects.get()
    session = payments._client().v1.checkout.sessions.retrieve(order.stripe_session_id)
    assert order.total == session.amount_total == 3735
    assert ProductVariant.objects.get(sku="TEE-M-BLA").stock == 4  # 6 less the 2 bought

    page.get_by_role("link", name="VAT invoice").click()
    lines = page.get_by_role("table", name="What you paid for, in GBP")
    shirts = lines.get_by_role("row", name="Gasworks skyline T-shirt (M, black) (less £3.60")
    expect(shirts.get_by_role("cell")).to_have_text(["2", "£27.00", "20%", "£5.40", "£32.40"])
    expect(lines.get_by_role("row", name="Delivery")).to_contain_text("£0.83")
    expect(lines.get_by_role("row", name="Total paid")).to_contain_text("£37.35")
    page.screenshot(path=tmp_path / "invoice.png", full_page=True)

    (receipt,) = [m for m in smtp_inbox.messages if addressee(m) == "ann@example.com"]
    text = receipt.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "- 2 × Gasworks skyline T-shirt (M, black) (£18.00 each): £36.00" in text
    assert "Discount (WELCOME10): -£3.60\nDelivery: £4.95\nTotal paid: £37.35" in text
    assert "Includes VAT: £6.23\nOur VAT number: GB999999973" in text
    page.close()


def test_a_variant_sold_out_after_the_page_was_cached_shows_as_sold_out(demo_site, browser):
    page = browser.new_page()
    page.set_default_timeout(15_000)
    url = demo_site + "/shop/products/gasworks-skyline-t-shirt/"
    page.goto(url)  # cached from here on
    expect(page.get_by_role("option", name="L, natural: £18.00", exact=True)).to_be_enabled()

    # The last natural L sells (as checkout takes units: no cached page is retired).
    ProductVariant.objects.filter(sku="TEE-L-NAT").update(stock=0)
    response = page.reload()

    assert response.headers.get("x-cache") == "HIT"  # the page as cached, made right by quire.js
    sold_out = page.get_by_role("option", name="L, natural: £18.00 (sold out)")
    expect(sold_out).to_be_disabled()
    page.get_by_label("Size and colour").select_option(label="S, natural: £18.00")
    expect(page.get_by_label("Quantity")).to_have_attribute("max", "3")
    page.close()


def test_a_reader_pre_orders_a_size_and_colour_on_the_pre_order_form(demo_site, page):
    # Staff put the T-shirt's next run on pre-order (Shop → Products; reserve and pay later).
    shirt = Product.objects.get(slug="gasworks-skyline-t-shirt")
    shirt.status, shirt.preorder_cap = Product.Status.PRE_ORDER, 50
    shirt.preorder_charge_mode = "reserve"
    shirt.save()

    page.goto(demo_site + "/pre-order/?product=gasworks-skyline-t-shirt")
    page.get_by_label("What would you like?").select_option(label="Gasworks skyline T-shirt")
    fill_in_pre_order(page, quantity="1")
    page.get_by_label("I have read the terms").check()
    page.get_by_role("button", name="Place my pre-order").click()
    expect(page.locator(".error-summary")).to_contain_text("Please choose the size and colour.")

    page.get_by_label("Size or colour").select_option(
        label="Gasworks skyline T-shirt, XL, natural: £20.00"
    )
    page.get_by_label("I have read the terms").check()
    page.get_by_role("button", name="Place my pre-order").click()

    expect(page.locator("main")).to_contain_text("1 × Gasworks skyline T-shirt (XL, natural)")
    preorder = PreOrder.objects.get()
    assert (preorder.variant.sku, preorder.unit_price) == ("TEE-XL-NAT", 2000)
