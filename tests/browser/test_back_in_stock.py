"""A reader waits for the sold-out map print in a real browser: asks on its page, confirms from
the email that reaches a real SMTP server, hears once when staff restock it in the admin, and
buys it from the link in that email."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from shop.models import Product
from tests.conftest import addressee

pytestmark = pytest.mark.browser

READER = "reader@example.com"


def link_to(inbox, subject: str, pattern: str) -> str:
    [message] = [m for m in inbox.messages if m["Subject"] == subject]
    assert addressee(message) == READER
    return re.search(pattern, message.get_body(("plain",)).get_content()).group(0)


def test_a_reader_waits_for_the_sold_out_print_and_buys_it_when_it_is_back(
    demo_site, smtp_inbox, settings, browser, django_user_model
):
    settings.QUIRE_SITE_URL = demo_site  # links in emails on the live server's address
    reader = browser.new_page()
    reader.set_default_timeout(15_000)
    reader.goto(demo_site + "/shop/products/canal-walks-map-print/")
    reader.get_by_role("link", name="Email me when it's back").click()
    reader.get_by_label("Your email").fill(READER)
    reader.get_by_role("button", name="Email me when it's back").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Check your email")

    confirm = link_to(
        smtp_inbox,
        "Please confirm: email me when Canal walks map print is back",
        r"http\S+/confirm/",
    )
    mail_tab = browser.new_page()  # as if from the mail client
    mail_tab.set_default_timeout(15_000)
    mail_tab.goto(confirm)
    mail_tab.get_by_role("button", name="Yes, email me when it's back").click()
    expect(mail_tab.get_by_role("heading", level=1)).to_have_text("Confirmed")

    django_user_model.objects.create_superuser("staff", "staff@example.com", "a-long-password")
    staff = browser.new_page()
    staff.set_default_timeout(15_000)
    staff.goto(demo_site + "/admin/login/")
    staff.get_by_label("Username").fill("staff")
    staff.get_by_label("Password").fill("a-long-password")
    staff.get_by_role("button", name="Sign in").click()
    product = Product.objects.get(slug="canal-walks-map-print")
    staff.goto(demo_site + reverse("wagtailsnippets_shop_product:edit", args=[product.pk]))
    staff.get_by_role("spinbutton", name="Stock", exact=True).fill("20")
    staff.get_by_role("combobox", name="Status*").select_option(label="On sale")
    staff.get_by_role("button", name="Save").first.click()
    expect(staff.locator(".messages")).to_contain_text("Canal walks map print")

    back = link_to(
        smtp_inbox, "Canal walks map print is back in stock", r"http\S+/canal-walks-map-print/"
    )
    mail_tab.goto(back)
    expect(mail_tab.locator("[data-live-sold-out]")).to_be_hidden()
    mail_tab.get_by_role("button", name="Add to basket").click()
    expect(mail_tab.locator(".basket-lines tbody tr")).to_have_count(1)
    assert len(smtp_inbox.messages) == 2
    for tab in (reader, mail_tab, staff):
        tab.wait_for_load_state("networkidle")
        tab.close()
