"""A reader's path through the demo site in a real browser."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_reader_follows_the_menu_to_tales_of_the_unexpected(demo_site, page):
    page.goto(demo_site + "/")
    expect(page.locator("h1")).to_have_count(1)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Blog").click()
    expect(page).to_have_url(demo_site + "/blog/")
    expect(page.get_by_role("link", name="Blog", exact=True)).to_have_attribute(
        "aria-current", "page"
    )

    page.get_by_role("link", name="Tales of the Unexpected").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tales of the Unexpected")
    quotes = page.locator("blockquote")
    expect(quotes.first).to_be_visible()
    assert quotes.count() >= 3
    expect(page.locator("figure.quote cite").first).to_contain_text("canteen")
    share = page.get_by_role("region", name="Share this")
    for network in ["Facebook", "X (Twitter)", "WhatsApp", "Email"]:
        expect(share.get_by_role("link", name=network)).to_be_visible()
    expect(page.get_by_role("link", name="Dirty Old Town", exact=False).last).to_be_visible()


def test_reader_searches_from_the_header(demo_site, page):
    page.goto(demo_site + "/")

    page.get_by_role("searchbox", name="Search posts").fill("canteen")
    page.get_by_role("searchbox", name="Search posts").press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text("canteen")
    expect(page.get_by_role("link", name="Tales of the Unexpected")).to_be_visible()


def test_reader_searching_for_the_tote_finds_it_in_the_shop_above_the_posts(demo_site, page):
    page.goto(demo_site + "/")

    page.get_by_role("searchbox", name="Search posts").fill("tote")
    page.get_by_role("searchbox", name="Search posts").press("Enter")

    found = page.get_by_role("region", name="From the shop")
    found.get_by_role("link", name="Dirty Old Town tote bag").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dirty Old Town tote bag")


def test_phone_reader_opens_the_menu(demo_site, phone):
    phone.goto(demo_site + "/")
    menu = phone.locator("#main-menu")
    toggle = phone.get_by_role("button", name="Menu")

    expect(menu).to_be_hidden()
    toggle.click()

    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="Blog")).to_be_visible()
    menu.get_by_role("link", name="Blog").click()
    expect(phone).to_have_url(demo_site + "/blog/")


def test_copy_link_puts_the_post_address_on_the_clipboard(demo_site, browser):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(demo_site + "/blog/tales-of-the-unexpected/")

    page.get_by_role("button", name="Copy link").click()

    expect(page.get_by_role("status").filter(has_text="Link copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == (
        demo_site + "/blog/tales-of-the-unexpected/"
    )
    context.close()


def test_reading_a_post_requests_nothing_from_another_host(demo_site, page):
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))

    page.goto(demo_site + "/blog/tales-of-the-unexpected/", wait_until="networkidle")

    assert hosts == {urlsplit(demo_site).netloc}


def test_keyboard_user_can_skip_to_the_content(demo_site, page):
    page.goto(demo_site + "/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")

    assert page.evaluate("document.activeElement.id") == "main"
