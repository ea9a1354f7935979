"""A buyer whose form is refused is told what to fix at the top, starts there, and reaches each
field from it without losing what they typed."""

import pytest
from playwright.sync_api import expect

from shop.models import PreOrder
from tests.browser.preorder_form import fill_in_pre_order

pytestmark = pytest.mark.browser


def test_a_refused_pre_order_starts_the_buyer_on_a_summary_that_leads_to_each_field(
    demo_site, page
):
    page.goto(demo_site + "/pre-order/")
    fill_in_pre_order(page, quantity="1")
    page.get_by_label("Postcode").fill("M5")
    page.get_by_label("I have read the terms").check()
    page.get_by_role("button", name="Place my pre-order").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()  # a screen reader reads it first; Tab goes on from it
    expect(summary).to_contain_text("Please enter a full UK postcode, such as M5 4WT.")
    summary.get_by_role("link", name="Postcode").click()

    postcode = page.get_by_label("Postcode")
    expect(postcode).to_be_focused()
    expect(postcode).to_have_value("M5")
    expect(postcode).to_have_css("border-top-color", "rgb(138, 28, 12)")
    expect(page.get_by_label("Full name")).to_have_value("Ruth Reader")
    assert not PreOrder.objects.exists()

    postcode.fill("m5 4wt")
    page.get_by_label("I have read the terms").check()
    page.get_by_role("button", name="Place my pre-order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    assert PreOrder.objects.get().postcode == "M5 4WT"


def test_a_buyer_at_the_per_buyer_limit_is_told_on_the_form_and_nothing_more_is_reserved(
    demo_site, page
):
    """The buyer's own pre-orders are counted under the campaign's lock, after the new one is
    written: a refusal there must still reach the form as a message and leave nothing behind."""
    from shop.models import Product

    def pre_order(quantity: str) -> None:
        page.goto(demo_site + "/pre-order/")
        fill_in_pre_order(page, quantity=quantity)
        page.get_by_label("I have read the terms").check()
        page.get_by_role("button", name="Place my pre-order").click()

    pre_order("4")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    reserved = Product.objects.get(slug="dirty-old-town").preorder_reserved
    pre_order("2")

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(
        "You can pre-order up to 5 of “Dirty Old Town”. You already have 4 reserved."
    )
    summary.get_by_role("link", name="How many?").click()
    expect(page.get_by_label("How many?")).to_be_focused()
    expect(page.get_by_label("Email")).to_have_value("ruth@example.com")
    assert PreOrder.objects.filter(email="ruth@example.com").count() == 1
    assert Product.objects.get(slug="dirty-old-town").preorder_reserved == reserved

    page.get_by_label("How many?").fill("1")
    page.get_by_label("I have read the terms").check()
    page.get_by_role("button", name="Place my pre-order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    assert PreOrder.objects.filter(email="ruth@example.com").count() == 2


def test_the_consent_box_is_big_enough_to_tap(demo_site, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(demo_site + "/pre-order/")

    box = page.get_by_label("I have read the terms").bounding_box()

    assert box["width"] >= 20 and box["height"] >= 20  # the browser's default is 13 px
    quantity = page.get_by_label("How many?").bounding_box()
    assert quantity["width"] < 120  # a number of copies, not a line of text
    context.close()
