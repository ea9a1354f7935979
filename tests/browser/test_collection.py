"""A buyer chooses to collect in person in the basket, pays on the local Stripe server without
giving an address, and is told where to collect; shop staff mark the order ready to collect in
the admin, the buyer is emailed, and staff then mark it collected."""

import pytest
from playwright.sync_api import expect

from shop import payments
from shop.models import Order
from tests.browser.test_campaign_admin import make_user, sign_in

pytestmark = pytest.mark.browser


def test_a_buyer_collects_in_person_and_staff_say_when_it_is_ready(
    demo_site, fake_stripe, smtp_inbox, browser, django_user_model, tmp_path
):
    buyer = browser.new_page()
    buyer.set_default_timeout(15_000)
    buyer.goto(demo_site + "/shop/products/dirty-old-town-tote-bag/")
    buyer.get_by_role("button", name="Add to basket").click()
    buyer.get_by_label("Shipping to").select_option(label="Collect in Salford")
    buyer.get_by_role("button", name="Update shipping").click()
    expect(buyer.locator(".basket-collect")).to_contain_text("12 Chapel Street")
    expect(buyer.locator(".basket-total td")).to_have_text("£12.00")
    buyer.screenshot(path=tmp_path / "basket.png", full_page=True)
    buyer.get_by_label("Email for your receipt").fill("ann@example.com")
    buyer.get_by_role("button", name="Pay £12.00 securely with Stripe").click()
    buyer.get_by_label("Name").fill("Ann Reader")
    buyer.get_by_role("button", name="Pay", exact=True).click()

    expect(buyer.get_by_role("heading", level=1)).to_contain_text("Order Q-")
    collect = buyer.get_by_role("heading", name="Collect from")
    expect(collect).to_be_visible()
    expect(buyer.locator("main")).to_contain_text("Monday to Friday, 10:00 to 16:00")
    order = Order.objects.get()
    assert (order.shipping_name, order.total, order.shipping_address) == ("Ann Reader", 1200, {})
    session = payments._client().v1.checkout.sessions.retrieve(order.stripe_session_id)
    assert session.shipping_address_collection is None  # Stripe asked for no delivery address

    make_user(django_user_model, "packer", "Shop staff")
    staff = sign_in(browser, demo_site, "packer")
    staff.goto(f"{demo_site}/admin/shop/orders/edit/{order.pk}/")
    status = staff.get_by_role("combobox", name="Status")
    assert status.locator("option").all_inner_texts() == ["Paid", "Packed", "Ready to collect"]
    status.select_option(label="Ready to collect")
    staff.get_by_role("button", name="Save").click()
    expect(staff.locator(".messages")).to_be_visible()
    assert Order.objects.get().status == Order.Status.READY_TO_COLLECT
    subjects = [message["Subject"] for message in smtp_inbox.messages]
    assert f"Your order {order.reference} is ready to collect" in subjects

    staff.goto(f"{demo_site}/admin/shop/orders/edit/{order.pk}/")
    staff.get_by_role("combobox", name="Status").select_option(label="Collected")
    staff.get_by_role("button", name="Save").click()
    expect(staff.locator(".messages")).to_be_visible()
    assert Order.objects.get().status == Order.Status.COLLECTED
    buyer.reload()
    expect(buyer.locator(".order-status")).to_have_text("You have collected this order. Thank you.")
    buyer.screenshot(path=tmp_path / "order.png", full_page=True)
