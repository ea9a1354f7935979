"""Every place that shows a delivery address writes it as it goes on the parcel: name, street,
town, postcode, country, in that order, never a dict, Stripe's key names or a country code."""

import csv
import io

import pytest
from bs4 import BeautifulSoup
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from shop import emails, preorders
from shop.addresses import postal_lines, stripe_postal_lines, uk_postcode
from shop.models import Order, PreOrder
from tests.conftest import addressee
from tests.factories import (
    JANE_LINES as JANE,
)
from tests.factories import (
    JANE_STRIPE_ADDRESS as STRIPE_ADDRESS,
)
from tests.factories import (
    PreOrderProductFactory,
    ProductFactory,
    make_order,
)

pytestmark = pytest.mark.django_db

STRIPE_WORDS = ["line1", "line2", "postal_code", "'city'", "{"]


@pytest.fixture
def order(home):
    order = make_order(
        [(ProductFactory(title="Dirty Old Town", price=1699), 2)],
        email="jane@example.com",
        shipping_name="Jane O'Reader",
        shipping_address=STRIPE_ADDRESS,
    )
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID, paid_at=timezone.now())
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def preorder(home):
    book = PreOrderProductFactory(title="Dirty Old Town")
    buyer = preorders.Buyer(
        "Jane O'Reader", "jane@example.com", "1 High St", "Flat 2", "London", "SW1A 1AA", "GB"
    )
    preorder, _ = preorders.place_preorder(book.pk, 1, buyer, "address-form-token")
    return preorder


def lines_from(text: str) -> list[str]:
    """The six address lines, starting at the buyer's name, from text laid out in lines."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    start = lines.index("Jane O'Reader")
    return lines[start : start + len(JANE)]


def address_in(page: str) -> list[str]:
    address = BeautifulSoup(page, "html.parser").select_one("address")
    return lines_from(address.get_text("\n"))


def plain_text(message) -> str:
    return message.get_body(("plain",)).get_content()


def assert_no_stripe_words(text: str) -> None:
    assert not [word for word in STRIPE_WORDS if word in text]


def test_stripe_addresses_are_written_in_uk_postal_order():
    assert stripe_postal_lines("Jane O'Reader", STRIPE_ADDRESS) == JANE


def test_a_county_or_state_goes_between_town_and_postcode_and_blanks_are_left_out():
    lines = postal_lines("Ann Lee", " 5  Main St ", "", "Springfield", "IL", "62701", "us")

    assert lines == ["Ann Lee", "5 Main St", "Springfield", "IL", "62701", "United States"]


def test_an_order_without_an_address_has_no_address_lines():
    assert stripe_postal_lines("Jane O'Reader", {}) == []
    assert stripe_postal_lines("Jane O'Reader", {"line1": None, "country": None}) == []


def test_the_buyers_order_page_shows_the_address_in_postal_order(client, order):
    page = client.get(order.get_absolute_url()).content.decode()

    assert address_in(page) == JANE
    assert_no_stripe_words(BeautifulSoup(page, "html.parser").select_one("address").text)


def test_the_buyers_pre_order_page_shows_the_address_in_postal_order(client, preorder):
    page = client.get(preorder.get_absolute_url()).content.decode()

    assert address_in(page) == JANE


def test_order_emails_write_the_address_in_postal_order(order, smtp_inbox):
    emails.send("order_confirmed", order.pk)
    emails.send("staff_new_order", order.pk)

    assert smtp_inbox.recipients() == ["jane@example.com", "shop@quire.localhost"]
    for message in smtp_inbox.messages:
        text = plain_text(message)
        page = message.get_body(("html",)).get_content()
        assert lines_from(text) == JANE, message["To"]
        assert lines_from(BeautifulSoup(page, "html.parser").get_text("\n")) == JANE
        assert_no_stripe_words(text)


def test_pre_order_emails_write_the_address_in_postal_order(preorder, smtp_inbox):
    PreOrder.objects.filter(pk=preorder.pk).update(status=PreOrder.Status.PAID)
    preorder.refresh_from_db()
    for kind in ("preorder_confirmation", "preorder_paid_on_release"):  # rendered, as sent
        emails.message(kind, preorder).send()

    to_buyer = [m for m in smtp_inbox.messages if addressee(m) == "jane@example.com"]
    assert len(to_buyer) == 2  # the confirmation and the released-and-paid email
    for message in to_buyer:
        text = plain_text(message)
        page = message.get_body(("html",)).get_content()
        assert lines_from(text) == JANE, message["Subject"]
        assert lines_from(BeautifulSoup(page, "html.parser").get_text("\n")) == JANE


def test_the_order_inspect_view_shows_the_address_not_a_dict(admin_client, order):
    page = admin_client.get(reverse("shop_orders:inspect", args=[order.pk])).content.decode()

    assert address_in(page) == JANE
    assert "Delivery address" in page
    assert_no_stripe_words(page.split("<h2>Lines</h2>")[0].split("Delivery address")[1])


def test_the_pre_order_inspect_view_shows_the_address_in_postal_order(admin_client, preorder):
    page = admin_client.get(reverse("shop_preorders:inspect", args=[preorder.pk]))

    assert address_in(page.content.decode()) == JANE


def exported(admin_client, url_name: str) -> list[dict]:
    response = admin_client.get(reverse(url_name), {"export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_orders_export_has_the_address_in_one_cell(admin_client, order):
    [row] = exported(admin_client, "shop_orders:index")

    assert row["Address"] == ", ".join(JANE)


def test_the_pre_orders_export_has_the_address_in_one_cell(admin_client, preorder):
    with TestCase.captureOnCommitCallbacks(execute=True):
        [row] = exported(admin_client, "shop_preorders:index")

    assert row["Address"] == ", ".join(JANE)
    assert "Address line1" not in row and "City" not in row


@pytest.mark.parametrize(
    "typed, written",
    [
        ("m54wt", "M5 4WT"),
        ("SW1A1AA", "SW1A 1AA"),
        ("  ec1a 1bb ", "EC1A 1BB"),
        ("je2 3ab", "JE2 3AB"),
        ("gir0aa", "GIR 0AA"),
        ("XXXX", None),
        ("M5", None),
        ("12345", None),
        ("M5 4WT X", None),
        ("", None),
    ],
)
def test_a_uk_postcode_is_recognised_and_written_as_royal_mail_does(typed, written):
    assert uk_postcode(typed) == written


def new_address(**overrides):
    return {
        "name": "Jane O'Reader",
        "address_line1": "2 Canal Street",
        "address_line2": "",
        "city": "Salford",
        "postcode": "m54wt",
        "country": "GB",
        **overrides,
    }


def test_a_buyer_moving_their_pre_order_gets_the_postcode_written_as_royal_mail_does(
    client, preorder
):
    response = client.post(preorder.get_absolute_url(), new_address())

    assert response.status_code == 302
    preorder.refresh_from_db()
    assert (preorder.address_line1, preorder.postcode) == ("2 Canal Street", "M5 4WT")


def test_a_new_address_without_a_real_uk_postcode_is_refused_and_the_old_one_kept(client, preorder):
    response = client.post(preorder.get_absolute_url(), new_address(postcode="M5"))

    assert response.status_code == 400
    summary = BeautifulSoup(response.content, "html.parser").select_one(".error-summary")
    assert "Please enter a full UK postcode, such as M5 4WT." in summary.get_text()
    preorder.refresh_from_db()
    assert (preorder.address_line1, preorder.postcode) == ("1 High St", "SW1A 1AA")
