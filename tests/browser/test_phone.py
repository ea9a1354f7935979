"""On a phone: the basket and its count stay in the header, search folds away, the menu opens
with or without JavaScript, and nothing moves after the first paint."""

import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

# Sums every layout shift Chromium reports from the start of the page, as CLS counts them.
RECORD_LAYOUT_SHIFTS = """
window.__layoutShift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__layoutShift += entry.value;
  }
}).observe({ type: "layout-shift", buffered: true });
"""


def test_phone_header_keeps_the_basket_with_its_count_and_folds_search_away(demo_site, browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(demo_site + "/shop/products/dirty-old-town-tote-bag/")
    page.locator("main form.buy-form").get_by_role("button", name="Add to basket").click()
    expect(page).to_have_url(demo_site + "/shop/basket/")  # the add is done before going on

    page.goto(demo_site + "/")
    header = page.locator("header.site-header")
    basket = header.get_by_role("link", name="Shopping Basket")

    expect(basket).to_be_visible()
    expect(basket.locator("[data-basket-count]")).to_have_text("1")
    expect(header.get_by_role("link", name="Search")).to_be_visible()
    expect(header.get_by_role("searchbox")).to_be_hidden()
    assert header.bounding_box()["height"] < 80  # the search bar alone took ~125 px
    basket.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your basket")
    context.close()


def test_phone_menu_opens_without_javascript(demo_site, browser):
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(demo_site + "/")
    menu = page.locator("#main-menu")
    expect(menu).to_be_hidden()

    page.get_by_role("link", name="Menu").click()

    expect(menu.get_by_role("link", name="Blog")).to_be_visible()
    menu.get_by_role("link", name="Blog").click()
    expect(page).to_have_url(demo_site + "/blog/")
    context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/blog/tales-of-the-unexpected/",
        "/shop/",
        "/shop/products/dirty-old-town-tote-bag/",
        "/pre-order/",
        "/shop/basket/",
    ],
)
def test_nothing_moves_after_the_first_paint_on_a_phone(demo_site, browser, path):
    """The menu script folded the menu after the first paint: the page jumped ~82 px. Scripts
    arrive late here, as on a phone's network, so the first paint is made without them."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.add_init_script(RECORD_LAYOUT_SHIFTS)

    def late_script(route):
        time.sleep(0.8)
        route.continue_()

    page.route("**/*.js", late_script)

    page.goto(demo_site + path, wait_until="load")
    page.wait_for_timeout(1000)  # the basket count request and late images

    assert page.evaluate("window.__layoutShift") == 0
    context.close()
