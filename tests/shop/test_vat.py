"""VAT for a UK seller: prices include it, each product has a rate, a sale keeps per line the rate
and the VAT at the time, delivery is taxed like its goods, and a paid order has a printable VAT
invoice. A shop with no VAT number records and shows no VAT."""

import csv
import io
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse
from wagtail.models import Site

from shop import emails, orders, payments, preorders, settlement, vat
from shop.models import Order, PreOrder, Product, ShopDetails
from shop.vat import VatRate
from tests.factories import PreOrderProductFactory, make_preorder_form_page
from tests.shop.test_checkout import add, get_path_of, session_id_from, start_checkout
from tests.shop.test_emails import plain
from tests.shop.test_preorders import submit

pytestmark = pytest.mark.django_db

VAT_NUMBER = "GB999999973"


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


@pytest.fixture
def registered(home):
    details = ShopDetails.for_site(Site.objects.get())
    details.vat_number = VAT_NUMBER
    details.postal_address = "Quire Books\n12 Chapel Street\nSalford M3 5JZ"
    details.save()
    return details


def paid_order(fake_stripe, *products_and_quantities) -> Order:
    buyer = Client()
    for product, quantity in products_and_quantities:
        add(buyer, product, quantity)
    session_id = session_id_from(start_checkout(buyer)["Location"])
    fake_stripe.pay(session_id, name="Ann Reader", line1="1 Canal Street", city="Salford")
    return settlement.settle(payments.retrieve_checkout_session(session_id))


# Working it out


@pytest.mark.parametrize(
    "gross, percent, included",
    [(1200, 20, 200), (1699, 0, 0), (999, 5, 48), (1, 20, 0), (3, 20, 1), (0, 20, 0)],
)
def test_the_vat_a_price_includes_is_rounded_to_the_nearest_penny(gross, percent, included):
    assert vat.vat_in(gross, Decimal(percent)) == included


def test_delivery_for_goods_at_two_rates_is_split_by_their_value():
    # £4.95 for a £12 tote (20%) and a £16.99 book (0%): £2.04 of it is taxed at 20%.
    goods = [(VatRate.STANDARD, 1200), (VatRate.ZERO, 1699)]

    assert vat.on_delivery(495, goods) == 34  # 204 × 20 / 120
    assert vat.on_delivery(495, [(VatRate.STANDARD, 1200)]) == 83
    assert vat.on_delivery(495, [(VatRate.ZERO, 1699)]) == 0
    assert vat.on_delivery(0, goods) == 0


# What a sale keeps


def test_an_order_keeps_each_lines_rate_and_vat_and_the_vat_in_its_delivery(
    registered, tote, book, fake_stripe
):
    order = paid_order(fake_stripe, (tote, 2), (book, 1))

    lines = {line.title: (line.vat_rate, line.vat_percent, line.vat) for line in order.lines.all()}
    assert lines == {"Tote": ("standard", Decimal("20"), 400), "Book": ("zero", Decimal("0"), 0)}
    assert order.vat_number == VAT_NUMBER
    assert (order.subtotal, order.shipping, order.total) == (4099, 495, 4594)  # VAT included
    # £4.95 split by value: £2.90 with the totes (2400 of 4099) at 20% is £0.48.
    assert order.shipping_vat == 48
    assert order.vat_total == 448


def test_a_later_change_of_rate_rewrites_no_sale(registered, tote, fake_stripe):
    order = paid_order(fake_stripe, (tote, 1))
    Product.objects.filter(pk=tote.pk).update(vat_rate=VatRate.REDUCED)

    order = Order.objects.get(pk=order.pk)
    assert [(line.vat_rate, line.vat) for line in order.lines.all()] == [("standard", 200)]


def test_reading_the_vat_number_of_a_shop_whose_details_were_never_saved_writes_nothing(home):
    """Checkouts read it concurrently: creating the details row on a read made them queue."""
    assert vat.seller_vat_number() == ""
    assert not ShopDetails.objects.exists()


def test_a_shop_without_a_vat_number_records_and_shows_no_vat(home, tote, fake_stripe):
    order = paid_order(fake_stripe, (tote, 1))

    assert order.vat_number == ""
    assert [(line.vat_rate, line.vat) for line in order.lines.all()] == [("", 0)]
    assert order.shipping_vat == 0
    page = Client().get(order.get_absolute_url()).content.decode()
    assert "VAT" not in page
    invoice = reverse("shop:order_vat_invoice", args=[order.reference, order.access_token])
    assert Client().get(invoice).status_code == 404


def test_a_pre_order_keeps_the_vat_in_its_price_and_its_own_delivery(registered):
    tshirt = PreOrderProductFactory(price=2000, shipping_class="large", vat_rate=VatRate.STANDARD)
    buyer = preorders.Buyer("Ann", "ann@example.com", "1 Canal St", "", "Salford", "M5", "GB")

    preorder, _ = preorders.place_preorder(tshirt.pk, 2, buyer, "form-token")

    assert (preorder.vat_number, preorder.vat_rate, preorder.vat) == (VAT_NUMBER, "standard", 667)
    assert preorder.shipping_vat == 83  # £4.95 at 20%


# What the buyer sees


def test_the_order_page_says_how_much_vat_the_total_includes_and_links_the_invoice(
    registered, tote, fake_stripe
):
    order = paid_order(fake_stripe, (tote, 1))

    page = soup(Client().get(order.get_absolute_url()))

    rows = {row.th.text: row.td.text for row in page.select("tfoot tr")}
    assert rows["Includes VAT"] == "£2.83"  # £2.00 in the tote, £0.83 in its £4.95 delivery
    assert page.find("a", string="VAT invoice (to print or save as a PDF)")


def test_the_vat_invoice_shows_the_seller_the_buyer_and_net_vat_and_gross_per_line(
    registered, tote, book, fake_stripe
):
    order = paid_order(fake_stripe, (tote, 2), (book, 1))
    invoice = reverse("shop:order_vat_invoice", args=[order.reference, order.access_token])

    page = soup(Client().get(invoice))

    assert page.h1.text == f"VAT invoice {order.reference}"
    assert "VAT number: GB999999973" in page.text
    assert "12 Chapel Street" in page.select_one("#seller-heading").parent.text
    assert "Ann Reader" in page.select_one("#buyer-heading").parent.text
    rows = [
        [cell.text for cell in row.select("th, td")] for row in page.select(".invoice__lines tr")
    ]
    assert rows[1:4] == [
        ["Tote", "2", "£20.00", "20%", "£4.00", "£24.00"],
        ["Book", "1", "£16.99", "0%", "£0.00", "£16.99"],
        ["Delivery", "1", "£4.47", "split by value", "£0.48", "£4.95"],
    ]
    assert rows[-3:] == [
        ["Total excluding VAT", "£41.46"],
        ["VAT", "£4.48"],
        ["Total paid", "£45.94"],
    ]


def test_an_unpaid_order_or_a_wrong_link_has_no_invoice(registered, tote, fake_stripe):
    buyer = Client()
    add(buyer, tote, 1)
    start_checkout(buyer)
    order = Order.objects.get()

    unpaid = reverse("shop:order_vat_invoice", args=[order.reference, order.access_token])
    wrong = reverse("shop:order_vat_invoice", args=[order.reference, "not-the-token"])
    assert Client().get(unpaid).status_code == 404
    assert Client().get(wrong).status_code == 404


def test_the_orders_csv_has_the_vat_each_order_included(
    registered, tote, book, fake_stripe, admin_client
):
    order = paid_order(fake_stripe, (tote, 2), (book, 1))

    response = admin_client.get(reverse("shop_orders:index"), {"export": "csv"})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["Reference"] == order.reference
    assert (rows[0]["Total"], rows[0]["VAT included"]) == ("4594", "448")
    assert rows[0]["Seller's VAT number"] == VAT_NUMBER


def test_the_receipt_says_how_much_vat_the_total_includes(
    registered, tote, fake_stripe, smtp_inbox
):
    order = paid_order(fake_stripe, (tote, 1))

    emails.send("order_confirmed", order.pk)

    (receipt,) = [m for m in smtp_inbox.messages if m["Subject"].endswith("is confirmed")]
    text = " ".join(plain(receipt).split())
    assert "Total paid: £16.95 Includes VAT: £2.83 Our VAT number: GB999999973" in text


def test_a_pre_orders_page_and_confirmation_say_how_much_vat_it_includes(
    registered, smtp_inbox, commit
):
    tshirt = PreOrderProductFactory(
        title="T-shirt",
        price=2000,
        shipping_class="large",
        vat_rate=VatRate.STANDARD,
        preorder_charge_mode="reserve",
    )
    buyer = preorders.Buyer("Ann", "ann@example.com", "1 Canal St", "", "Salford", "M5", "GB")

    preorder, _ = commit(preorders.place_preorder, tshirt.pk, 1, buyer, "form-token")

    page = soup(Client().get(preorder.get_absolute_url()))
    terms = {dt.text: dt.find_next_sibling("dd").text for dt in page.select(".summary-list dt")}
    assert terms["Includes VAT"] == "£4.16"  # £3.33 in £20.00 and £0.83 in £4.95 delivery
    (confirmation,) = [m for m in smtp_inbox.messages if "ann@example.com" in m["To"]]
    assert "Includes VAT: £4.16" in " ".join(plain(confirmation).split())


def test_a_pre_order_paid_on_its_own_has_its_own_vat_invoice(registered, client, fake_stripe):
    tshirt = PreOrderProductFactory(
        title="T-shirt",
        price=2000,
        shipping_class="large",
        vat_rate=VatRate.STANDARD,
        preorder_charge_mode="charge_now",
    )
    form_page = make_preorder_form_page(registered.site.root_page)
    reserved = submit(client, form_page, product=str(tshirt.pk), quantity="1")
    preorder = PreOrder.objects.get()
    invoice = reverse("shop:preorder_vat_invoice", args=[preorder.reference, preorder.access_token])
    assert Client().get(invoice).status_code == 404  # not paid yet

    get_path_of(client, fake_stripe.pay(preorder.stripe_session_id))
    preorder.refresh_from_db()
    assert reserved.status_code == 302 and preorder.status == PreOrder.Status.PAID
    detail = soup(client.get(preorder.get_absolute_url()))
    link = detail.find("a", string="VAT invoice (to print or save as a PDF)")

    page = soup(client.get(link["href"]))
    assert page.h1.text == f"VAT invoice {preorder.reference}"
    assert page.find("a", string="Back to your pre-order")["href"] == preorder.get_absolute_url()
    rows = [
        [cell.text for cell in row.select("th, td")] for row in page.select(".invoice__lines tr")
    ]
    assert rows[1:] == [
        ["Pre-order: T-shirt", "1", "£16.67", "20%", "£3.33", "£20.00"],
        ["Delivery", "1", "£4.12", "20%", "£0.83", "£4.95"],
        ["Total excluding VAT", "£20.79"],
        ["VAT", "£4.16"],
        ["Total paid", "£24.95"],
    ]


def test_a_pre_order_paid_with_an_order_is_on_the_orders_invoice_only(
    registered, tote, fake_stripe
):
    vinyl = PreOrderProductFactory(title="Vinyl", price=2000, preorder_charge_mode="charge_now")
    order = paid_order(fake_stripe, (tote, 1), (vinyl, 1))
    preorder = order.preorders.get()

    invoice = reverse("shop:preorder_vat_invoice", args=[preorder.reference, preorder.access_token])
    assert Client().get(invoice).status_code == 404
    descriptions = [line.description for line in order.vat_invoice_lines()]
    assert "Pre-order: Vinyl" in descriptions


def test_a_product_page_says_its_price_includes_vat_unless_it_has_none(
    registered, tote, book, client
):
    def note(product):
        found = soup(client.get(product.get_absolute_url())).select_one(".product__vat")
        return found.text if found else None

    assert note(tote) == "incl. VAT"
    assert note(book) is None  # zero-rated: the price has no VAT in it


def test_an_unregistered_shops_product_pages_say_nothing_of_vat(home, tote, client):
    assert soup(client.get(tote.get_absolute_url())).select_one(".product__vat") is None


# Refunds: credit notes


@pytest.mark.parametrize(
    "units, amount, included",
    [
        # (units back, of quantity, the whole line's price paid, the line's VAT)
        ([(1, 2, 2400, 400)], 1200, 200),  # one of two totes: its VAT
        ([(1, 2, 2400, 400)], 600, 100),  # half its price back: half its VAT
        ([(1, 2, 2400, 400)], 1695, 248),  # with the delivery: £0.48 more, the order's share
        ([(1, 1, 1699, 0)], 1699, 0),  # a zero-rated book
        ([(1, 2, 2160, 360)], 1080, 180),  # one of two totes bought 10% off: what it cost
        ([], 1000, 98),  # £10 of goodwill: the order's share of VAT (448 of 4594)
    ],
)
def test_the_vat_in_a_refund_follows_the_vat_kept_for_what_is_given_back(units, amount, included):
    given_back = [vat.RefundedUnits(*item) for item in units]

    assert vat.in_refund(given_back, amount, paid=4594, paid_vat=448) == included


def test_a_refund_of_a_vat_registered_order_has_a_credit_note(registered, tote, book, fake_stripe):
    order = paid_order(fake_stripe, (tote, 2), (book, 1))
    totes = order.lines.get(title="Tote")

    refund = orders.refund(order.pk, key="page-1", reason="Torn handle", lines={totes.pk: 1})

    assert (refund.amount, refund.vat) == (1200, 200)
    page = soup(Client().get(order.get_absolute_url()))
    link = page.find("a", string=f"credit note {order.reference}-1")
    note = soup(Client().get(link["href"]))
    assert note.h1.text == f"Credit note {order.reference}-1"
    terms = {dt.text: dt.find_next_sibling("dd").text for dt in note.select("dt")}
    assert terms["For VAT invoice"].startswith(order.reference)
    assert (terms["Reason"], terms["Items given back"]) == ("Torn handle", "1 × Tote")
    rows = {row.th.text: row.td.text for row in note.select(".invoice__lines tr")}
    assert rows == {
        "Refund excluding VAT": "£10.00",
        "VAT": "£2.00",
        "Total refunded": "£12.00",
    }


def test_an_unregistered_shops_refund_has_no_credit_note(home, tote, fake_stripe):
    order = paid_order(fake_stripe, (tote, 1))

    refund = orders.refund(order.pk, key="page-1", reason="Changed mind", amount=500)

    assert refund.vat == 0
    note = reverse("shop:order_credit_note", args=[order.reference, order.access_token, 1])
    assert Client().get(note).status_code == 404
    assert "credit note" not in Client().get(order.get_absolute_url()).content.decode()


def test_the_refund_email_says_how_much_vat_was_refunded(registered, tote, fake_stripe, smtp_inbox):
    order = paid_order(fake_stripe, (tote, 2))
    refund = orders.refund(order.pk, key="page-1", reason="Torn", lines={order.lines.get().pk: 1})

    emails.send("order_refunded", refund.pk)

    (sent,) = [m for m in smtp_inbox.messages if m["Subject"].startswith("Your refund")]
    assert "Refunded: £12.00 Includes VAT: £2.00" in " ".join(plain(sent).split())
