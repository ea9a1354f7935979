"""Shop staff in a real browser: find an order by the buyer's name, read its address as it
goes on the parcel, and print a packing list of the parcels the listing shows."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from shop.models import Order, Product
from tests.browser.test_campaign_admin import make_user, sign_in
from tests.factories import JANE_LINES as JANE
from tests.factories import JANE_STRIPE_ADDRESS, make_order

pytestmark = pytest.mark.browser


def paid_order(items, name: str, address: dict, session: str) -> Order:
    order = make_order(
        items,
        session_id=session,
        email=f"{session}@example.com",
        shipping_name=name,
        shipping_address=address,
    )
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID, paid_at=timezone.now())
    return order


def lines_of(locator) -> list[str]:
    return [line.strip() for line in locator.inner_text().splitlines() if line.strip()]


def test_staff_find_an_order_read_its_address_and_print_a_packing_list(
    demo_site, browser, django_user_model
):
    tote = Product.objects.get(slug="dirty-old-town-tote-bag")
    cd = Product.objects.get(slug="songs-from-the-launch-night")
    jane = paid_order(
        [(tote, 2), (cd, 1)],
        "Jane O'Reader",
        JANE_STRIPE_ADDRESS,
        "cs_jane",
    )
    other = paid_order(
        [(cd, 1)],
        "Sam Other",
        {"city": "Leeds", "country": "GB", "line1": "9 Mill Row", "postal_code": "LS1 1AA"},
        "cs_sam",
    )
    make_user(django_user_model, "packer", "Shop staff")
    page = sign_in(browser, demo_site, "packer")
    errors = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))

    page.goto(demo_site + reverse("shop_orders:index"))
    page.get_by_role("textbox", name="Search term").fill("O'Reader")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name=other.reference)).to_have_count(0)
    page.get_by_role("button", name=f"More options for '{jane.reference}'").click()
    page.get_by_role("link", name="Inspect").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(jane.reference)
    assert lines_of(page.locator("main address")) == JANE
    expect(page.locator("main")).not_to_contain_text("postal_code")

    page.go_back()
    expect(page.get_by_role("link", name=other.reference)).to_have_count(0)
    page.get_by_role("button", name="Actions").click()
    page.get_by_role("link", name="Packing list").click()

    parcels = page.locator("article.parcel")
    expect(parcels).to_have_count(1)
    expect(parcels.get_by_role("heading", level=2)).to_have_text(jane.reference)
    assert lines_of(parcels.locator("address")) == JANE
    rows = parcels.locator("tbody tr")
    expect(rows.nth(0)).to_contain_text("2")
    expect(rows.nth(0)).to_contain_text("Dirty Old Town tote bag")
    expect(rows.nth(1)).to_contain_text("Songs from the Launch Night (CD)")

    page.emulate_media(media="print")  # what goes on paper: the parcels, not the page's header
    expect(page.locator(".packing-list__header")).to_be_hidden()
    expect(parcels).to_be_visible()
    assert errors == []
