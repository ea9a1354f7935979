"""The demo seen in Chromium: a six-item header menu on one line at 1280 px, and the end of a
post with the writer's box and the share buttons, each with a name and a visible icon."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def menu_rows(page) -> set[int]:
    return set(
        page.eval_on_selector_all(
            "#main-menu > li", "items => items.map(i => Math.round(i.getBoundingClientRect().top))"
        )
    )


@pytest.mark.parametrize("path", ["/", "/blog/tales-of-the-unexpected/", "/shop/"])
def test_six_item_header_menu_stays_on_one_line_at_1280_px(demo_site, page, path):
    page.goto(demo_site + path, wait_until="networkidle")
    # The widest it gets: a two-digit basket count beside "Shopping Basket".
    page.evaluate(
        "document.querySelectorAll('#main-menu [data-basket-count]')"
        ".forEach(slot => slot.textContent = '12')"
    )

    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link")).to_have_count(6)
    expect(menu.get_by_role("link", name="Dirty Old Town")).to_be_visible()
    assert len(menu_rows(page)) == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_post_ends_with_the_writer_and_named_share_buttons(demo_site, page):
    page.goto(demo_site + "/blog/walking-the-canal-at-dawn/", wait_until="networkidle")

    writer = page.get_by_role("complementary", name="Written by Ruth Calder")
    expect(writer).to_be_visible()
    expect(writer.locator("img")).to_be_visible()
    expect(writer.get_by_role("link", name="Mastodon")).to_have_attribute("rel", "me noopener")
    share = page.get_by_role("region", name="Share this")
    for name in ["Facebook", "X (Twitter)", "WhatsApp", "Email"]:
        link = share.get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
        box = link.locator("svg").bounding_box()
        assert box["width"] >= 16 and box["height"] >= 16, name
    expect(share.get_by_role("button", name="Copy link")).to_be_visible()
