"""A pre-order buyer's emails in a real browser: the confirmation reaches a real SMTP server,
written as the buyer typed their name, and its link opens their private page on the site's
own address, where they cancel and are told so by email."""

import re

import pytest
from playwright.sync_api import expect

from shop.models import PreOrder
from tests.browser.preorder_form import fill_in_pre_order
from tests.conftest import addressee

pytestmark = pytest.mark.browser


def plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_buyer_opens_their_pre_order_from_the_email_and_cancels_it(
    demo_site, smtp_inbox, settings, browser
):
    settings.QUIRE_SITE_URL = demo_site  # the live server's own host and port
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(demo_site + "/blog/where-dirty-old-town-began/")
    page.get_by_role("link", name="Pre-order “Dirty Old Town”").click()
    fill_in_pre_order(page)
    page.get_by_label("Full name").fill("Jane O'Reader")
    page.get_by_label("I have read the terms").check()
    page.get_by_role("button", name="Place my pre-order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")

    confirmation = next(m for m in smtp_inbox.messages if addressee(m) == "ruth@example.com")
    text = plain(confirmation)
    assert "Jane O'Reader" in text and "&#x27;" not in text
    assert "we email you a link to pay" in " ".join(text.split())
    link = re.search(r"http\S+/shop/pre-orders/\S+/", text).group(0)
    assert link.startswith(demo_site + "/")

    other = browser.new_page()  # as if from the mail client: no session shared with the form
    other.set_default_timeout(15_000)
    other.goto(link)
    preorder = PreOrder.objects.get()
    expect(other.get_by_role("heading", level=1)).to_contain_text(preorder.reference)
    other.get_by_role("button", name="Cancel my pre-order").click()
    expect(other.locator("body")).to_contain_text("Your pre-order is cancelled.")

    cancelled = [m for m in smtp_inbox.messages if m["Subject"].endswith("is cancelled")]
    assert len(cancelled) == 1
    assert "Nothing was charged." in plain(cancelled[0])
    assert PreOrder.objects.get().status == PreOrder.Status.CANCELLED
    for tab in (page, other):
        tab.wait_for_load_state("networkidle")
        tab.close()
