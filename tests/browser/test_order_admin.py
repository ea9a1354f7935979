"""Shop staff look after paid orders in the admin, in a real browser against the local Stripe
server: a shop manager refunds part of an order, with its units put back in stock."""

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from shop import payments, settlement
from shop.models import Order, Product
from tests.browser.test_campaign_admin import make_user, sign_in
from tests.shop.test_checkout import add, session_id_from, start_checkout

pytestmark = pytest.mark.browser


@pytest.fixture
def paid_order(demo_site, fake_stripe, smtp_inbox):
    """A buyer's order of two tote bags and a CD, paid on the local Stripe server."""
    buyer = Client()
    add(buyer, Product.objects.get(slug="dirty-old-town-tote-bag"), 2)
    add(buyer, Product.objects.get(slug="songs-from-the-launch-night"), 1)
    session_id = session_id_from(start_checkout(buyer, "ruth@example.com")["Location"])
    fake_stripe.pay(session_id)
    order = settlement.settle(payments.retrieve_checkout_session(session_id))
    assert order.status == Order.Status.PAID
    return order


def test_a_shop_manager_refunds_one_line_and_puts_it_back_in_stock(
    demo_site, paid_order, smtp_inbox, browser, django_user_model
):
    make_user(django_user_model, "manager", "Shop managers")
    tote = Product.objects.get(slug="dirty-old-town-tote-bag")
    assert tote.stock == 38
    page = sign_in(browser, demo_site, "manager")
    errors = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))

    page.goto(demo_site + reverse("shop_orders:index"))
    page.get_by_role("textbox", name="Search term").fill(paid_order.reference)
    page.get_by_role("link", name=paid_order.reference).click()
    page.get_by_role("button", name="Actions").click()
    page.get_by_role("link", name="Refund").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Refund")
    expect(page.locator(".refund-summary")).to_contain_text("£38.94")  # 2 × £12 + £9.99 + £4.95
    page.get_by_label("Dirty Old Town tote bag (£12.00 each)").fill("1")
    page.get_by_label("Put these items back in stock").check()
    page.get_by_label("Reason").fill("The handle came off in the post")
    page.get_by_role("button", name="Confirm refund").click()

    expect(page.locator(".messages")).to_contain_text(
        f"Refunded £12.00 on order {paid_order.reference} and put the items back in stock"
    )
    refunds = page.locator("table.refunds")
    expect(refunds).to_contain_text("1 × Dirty Old Town tote bag")
    expect(refunds).to_contain_text("The handle came off in the post")
    expect(page.get_by_text("Paid (partly refunded)")).to_be_visible()
    assert Product.objects.get(pk=tote.pk).stock == 39
    assert Order.objects.get(pk=paid_order.pk).status == Order.Status.PAID
    assert [m["Subject"] for m in smtp_inbox.messages if "refund" in m["Subject"]] == [
        f"Your refund of £12.00 for order {paid_order.reference}"
    ]
    assert errors == []
    page.wait_for_load_state("networkidle")


def test_staff_cancel_an_order_left_on_stripes_page_and_it_can_no_longer_be_paid(
    demo_site, fake_stripe, browser, django_user_model
):
    """The buyer left the payment page open; once staff cancel, pressing Pay there fails and
    the stock is back on sale."""
    tote = Product.objects.get(slug="dirty-old-town-tote-bag")
    buyer_client = Client()
    add(buyer_client, tote, 2)
    session_id = session_id_from(start_checkout(buyer_client)["Location"])
    order = Order.objects.get(stripe_session_id=session_id)
    assert Product.objects.get(pk=tote.pk).stock == 38
    buyer = browser.new_page()
    buyer.set_default_timeout(15_000)
    buyer.goto(fake_stripe.pay_url(session_id))
    make_user(django_user_model, "packer", "Shop staff")
    staff = sign_in(browser, demo_site, "packer")

    staff.goto(demo_site + reverse("shop_orders:edit", args=[order.pk]))
    status = staff.get_by_role("combobox", name="Status")
    assert status.locator("option").all_inner_texts() == ["Awaiting payment", "Cancelled"]
    status.select_option(label="Cancelled")
    staff.get_by_role("button", name="Save").click()

    expect(staff.locator(".messages")).to_contain_text(
        f"Order {order.reference} cancelled: its payment page at Stripe is closed"
    )
    buyer.get_by_role("button", name="Pay", exact=True).click()
    expect(buyer.locator("body")).to_contain_text("can no longer be paid")
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert Product.objects.get(pk=tote.pk).stock == 40
    staff.wait_for_load_state("networkidle")
