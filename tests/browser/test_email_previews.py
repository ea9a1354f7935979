"""Shop staff check an email's wording in the admin before a launch, in a real browser: they
open Shop → Emails, pick a kind, read the HTML beside the plain text, and send a test to
themselves, which arrives at the real SMTP server on loopback."""

import pytest
from playwright.sync_api import expect

from shop.email_demo import BUYER
from tests.browser.test_campaign_admin import make_user, sign_in
from tests.conftest import addressee

pytestmark = pytest.mark.browser


def test_staff_preview_an_email_and_send_a_test_to_themselves(
    demo_site, smtp_inbox, browser, django_user_model, settings, tmp_path
):
    settings.QUIRE_SITE_URL = demo_site  # the demo's pictures are served by the live server
    make_user(django_user_model, "packer", "Shop staff")
    page = sign_in(browser, demo_site, "packer")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.get_by_role("button", name="Shop").click()
    page.get_by_role("link", name="Emails").click()
    expect(page.locator("header")).to_contain_text("Email previews")
    page.get_by_label("Email").select_option(label="Pre-order confirmed (paid now or reserved)")
    page.get_by_role("button", name="Show this email").click()

    expect(page.get_by_role("heading", level=2)).to_have_text(
        "Your pre-order P-DEMO6789 of Dirty Old Town"
    )
    email = page.frame_locator("iframe[title='HTML version']")
    expect(email.get_by_role("heading", level=1)).to_have_text(
        "Thank you for pre-ordering Dirty Old Town"
    )
    expect(email.get_by_role("link", name="See your pre-order")).to_be_visible()
    pictures = email.locator("img")
    expect(pictures.first).to_be_visible()
    for index in range(pictures.count()):  # logo and cover, from the site's own media
        assert pictures.nth(index).evaluate("img => img.complete && img.naturalWidth > 0")
    text = page.locator("pre.email-preview__text")
    expect(text).to_contain_text(BUYER)
    expect(text).to_contain_text("we email you a link to pay")
    page.screenshot(path=str(tmp_path / "email-preview.png"), full_page=True)

    page.get_by_role("button", name="Send a test to packer@example.com").click()

    expect(page.locator(".messages")).to_contain_text("Test sent to packer@example.com.")
    assert [addressee(m) for m in smtp_inbox.messages] == ["packer@example.com"]
    sent = smtp_inbox.messages[0]
    assert sent["Subject"] == "[Test] Your pre-order P-DEMO6789 of Dirty Old Town"
    assert BUYER in sent.get_body(("plain",)).get_content()
    assert 'alt="Quire"' in sent.get_body(("html",)).get_content()
    assert errors == []
    page.context.close()
