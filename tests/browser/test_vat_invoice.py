"""A buyer of a VAT-registered shop pays on the local Stripe server, sees on their order page how
much VAT the total includes, opens the VAT invoice and prints it: the print shows the invoice
alone, without the site's header, footer or links back. Refunded, they find its credit note."""

import pytest
from playwright.sync_api import expect

from shop import orders
from shop.models import Order

pytestmark = pytest.mark.browser


def test_a_buyer_opens_and_prints_the_vat_invoice_for_their_order(
    demo_site, fake_stripe, browser, tmp_path
):
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(demo_site + "/shop/products/dirty-old-town-tote-bag/")
    page.get_by_role("button", name="Add to basket").click()
    page.get_by_label("Email for your receipt").fill("ann@example.com")
    page.get_by_role("button", name="Pay £16.95 securely with Stripe").click()
    page.get_by_label("Name").fill("Ann Reader")
    page.get_by_role("button", name="Pay", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Order Q-")
    expect(page.get_by_role("row", name="Includes VAT")).to_contain_text("£2.83")
    page.get_by_role("link", name="VAT invoice").click()

    order = Order.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"VAT invoice {order.reference}")
    expect(page.locator("main")).to_contain_text("VAT number: GB999999973")
    expect(page.get_by_role("region", name="From")).to_contain_text("12 Chapel Street")
    expect(page.get_by_role("region", name="To")).to_contain_text("Ann Reader")
    lines = page.get_by_role("table", name="What you paid for, in GBP")
    tote = lines.get_by_role("row", name="Dirty Old Town tote bag")
    expect(tote.get_by_role("cell")).to_have_text(["1", "£10.00", "20%", "£2.00", "£12.00"])
    expect(lines.get_by_role("row", name="Total paid")).to_contain_text("£16.95")

    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.get_by_role("link", name="Back to your order")).to_be_hidden()
    expect(lines).to_be_visible()
    page.screenshot(path=tmp_path / "invoice.png", full_page=True)
    page.pdf(path=tmp_path / "invoice.pdf")  # what "Save as PDF" makes: it renders
    assert (tmp_path / "invoice.pdf").stat().st_size > 1000

    # Staff refund the bag (Shop → Orders; tests/browser/test_order_admin.py walks that):
    # the buyer finds the credit note on their order page.
    orders.refund(order.pk, key="page-1", reason="Torn handle", lines={order.lines.get().pk: 1})
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Back to your order").click()
    page.get_by_role("link", name=f"credit note {order.reference}-1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Credit note {order.reference}-1")
    refunded = page.get_by_role("table", name="Refunded, in GBP")
    expect(refunded.get_by_role("rowheader")).to_have_text(
        ["Refund excluding VAT", "VAT", "Total refunded"]
    )
    expect(refunded.get_by_role("cell")).to_have_text(["£10.00", "£2.00", "£12.00"])
    page.screenshot(path=tmp_path / "credit-note.png", full_page=True)
    page.close()
