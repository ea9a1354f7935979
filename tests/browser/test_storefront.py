"""The storefront in a real browser, on the demo site: buying from the shop page with and
without JavaScript, the buy button in view as a product page opens, and a basket that reads
well on a phone."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


# How many lines an element's text is set on, and how wide it would be on one line.
LINES_AND_WIDTH_ON_ONE_LINE = """element => {
  const range = document.createRange();
  range.selectNodeContents(element);
  const lines = new Set([...range.getClientRects()].map(rect => Math.round(rect.bottom))).size;
  const probe = element.cloneNode(true);
  probe.style.whiteSpace = "nowrap";
  probe.style.position = "absolute";
  document.body.append(probe);
  const width = probe.getBoundingClientRect().width;
  probe.remove();
  return [lines, width];
}"""


def add_from_the_shop(page, site: str, product: str) -> None:
    page.goto(site + "/shop/")
    page.locator(".product-card", has_text=product).get_by_role(
        "button", name="Add to basket"
    ).click()
    expect(page).to_have_url(site + "/shop/basket/")


def test_a_shopper_adds_to_the_basket_from_the_shop_page(demo_site, browser):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()

    add_from_the_shop(page, demo_site, "Dirty Old Town tote bag")

    expect(page.locator(".message")).to_have_text("Added “Dirty Old Town tote bag” to your basket.")
    expect(page.locator(".basket-lines tbody tr")).to_have_count(1)
    expect(page.locator(".menu [data-basket-count]")).to_have_text("1")
    page.wait_for_load_state("networkidle")
    context.close()


def test_without_javascript_the_shop_page_asks_to_confirm_then_adds(demo_site, browser):
    context = browser.new_context(**DESKTOP, java_script_enabled=False)
    page = context.new_page()
    page.goto(demo_site + "/shop/")

    card = page.locator(".product-card", has_text="Songs from the Launch Night")
    card.get_by_role("button", name="Add to basket").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Add “Songs from the Launch Night (CD)” to your basket?"
    )
    page.get_by_role("button", name="Add to basket").click()
    expect(page).to_have_url(demo_site + "/shop/basket/")
    expect(page.locator(".message")).to_have_text(
        "Added “Songs from the Launch Night (CD)” to your basket."
    )
    context.close()


def test_a_pre_order_card_opens_the_pre_order_form_for_that_product(demo_site, browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(demo_site + "/shop/")

    card = page.locator(".product-card", has_text="Dirty Old Town").filter(has_not_text="tote")
    card.get_by_role("link", name="Pre-order “Dirty Old Town”").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Pre-Order Form")
    expect(page).to_have_url(demo_site + "/pre-order/?product=dirty-old-town")
    expect(page.locator(".campaign h2")).to_have_text("Dirty Old Town")
    page.wait_for_load_state("networkidle")
    context.close()


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone-390x844", "desktop-1280x800"])
def test_price_availability_and_buy_button_are_in_view_as_a_product_page_opens(
    demo_site, browser, device
):
    context = browser.new_context(**device)
    page = context.new_page()
    for slug in ("dirty-old-town-tote-bag", "dirty-old-town"):
        page.goto(demo_site + f"/shop/products/{slug}/")
        page.wait_for_load_state("networkidle")  # late pictures and the basket count
        assert page.evaluate("window.scrollY") == 0
        for part in (
            page.locator(".product__price"),
            page.locator(".product__info .availability"),
            page.locator("main form.buy-form").get_by_role("button", name="Add to basket"),
        ):
            expect(part).to_be_in_viewport(ratio=1)
    context.close()


def test_on_a_phone_basket_names_take_one_or_two_lines_not_a_word_a_line(demo_site, browser):
    """The basket was a four-column table: on a phone each name had ~70 px, a word a line."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    add_from_the_shop(page, demo_site, "Dirty Old Town tote bag")
    add_from_the_shop(page, demo_site, "Songs from the Launch Night")

    names = page.locator(".basket-line__name > a")
    expect(names).to_have_count(2)
    main_width = page.locator("main").bounding_box()["width"]
    for name in names.all():
        lines, one_line = name.evaluate(LINES_AND_WIDTH_ON_ONE_LINE)
        space = name.locator("xpath=..").bounding_box()["width"]
        assert lines <= 2, name.text_content()
        assert space >= min(one_line, main_width / 2)
    context.close()


def test_before_paying_a_shopper_reads_the_right_to_cancel(demo_site, fake_stripe, browser):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    add_from_the_shop(page, demo_site, "Dirty Old Town tote bag")
    pay = page.locator(".checkout-form")
    expect(pay.get_by_role("link")).to_have_text(["Terms", "Delivery and returns", "Privacy"])

    pay.get_by_role("link", name="Delivery and returns").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Delivery and returns")
    expect(page.get_by_role("heading", name="Your right to cancel")).to_be_visible()
    expect(page.locator("main")).to_contain_text("within 14 days of the day it reaches you")
    page.go_back()
    expect(page.get_by_role("button", name="securely with Stripe")).to_be_enabled()
    context.close()


def test_on_a_phone_the_basket_controls_are_full_size(demo_site, fake_stripe, browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    add_from_the_shop(page, demo_site, "Dirty Old Town tote bag")

    for control in (
        page.get_by_label("Shipping to"),
        page.get_by_label("Quantity of Dirty Old Town tote bag"),
        page.get_by_role("button", name="Remove Dirty Old Town tote bag"),
        page.get_by_role("button", name="securely with Stripe"),
    ):
        size = control.evaluate(
            "el => [el.getBoundingClientRect().height, parseFloat(getComputedStyle(el).fontSize)]"
        )
        assert size[0] >= 40 and size[1] >= 15, (control, size)  # a finger's width, readable
    select = page.get_by_label("Shipping to")
    assert select.evaluate("el => getComputedStyle(el).appearance") == "none"  # not the default
    assert select.bounding_box()["width"] >= 160
    context.close()


def test_without_javascript_a_size_is_chosen_confirmed_and_added(demo_site, browser):
    context = browser.new_context(**DESKTOP, java_script_enabled=False)
    page = context.new_page()
    page.goto(demo_site + "/shop/products/gasworks-skyline-t-shirt/")

    page.get_by_label("Size and colour").select_option(label="L, black: £18.00")
    page.get_by_role("button", name="Add to basket").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Add “Gasworks skyline T-shirt (L, black)” to your basket?"
    )
    page.get_by_role("button", name="Add to basket").click()

    expect(page).to_have_url(demo_site + "/shop/basket/")
    expect(page.locator(".message")).to_have_text(
        "Added “Gasworks skyline T-shirt (L, black)” to your basket."
    )
    context.close()
