"""Discount codes: a buyer types one in the basket, sees what it takes off each item, and pays
that much less on Stripe; the order keeps the discount per line so VAT and refunds stay right,
and a code is never used by more orders than its cap."""

import csv
import io
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from shop import basket as baskets
from shop import checkout, discounts, orders, payments, settlement
from shop.models import DiscountCode, Order, Product, ShippingZone, ShopDetails
from tests.factories import PreOrderProductFactory, ProductFactory
from tests.shop.test_checkout import add, messages_on, session_id_from, start_checkout

pytestmark = pytest.mark.django_db


def code(text="SUMMER10", **fields) -> DiscountCode:
    fields.setdefault("kind", DiscountCode.Kind.PERCENT)
    if fields["kind"] == DiscountCode.Kind.PERCENT:
        fields.setdefault("percent", 10)
    products = fields.pop("products", [])
    made = DiscountCode.objects.create(code=text, **fields)
    made.products.set(products)
    return made


def apply(client, text):
    return client.post(reverse("shop:basket_discount"), {"code": text}, follow=True)


def basket_totals(client) -> dict[str, str]:
    page = BeautifulSoup(client.get(reverse("shop:basket")).content, "html.parser")
    return {
        row.th.get_text(strip=True): row.td.get_text(strip=True)
        for row in page.select(".basket-totals tr")
    }


def paid_order(fake_stripe, client) -> Order:
    session_id = session_id_from(start_checkout(client)["Location"])
    fake_stripe.pay(session_id, name="Ann Reader", line1="1 Canal Street", city="Salford")
    return settlement.settle(payments.retrieve_checkout_session(session_id))


def stripe_items(order: Order) -> list[tuple[str, int, int]]:
    items = payments._client().v1.checkout.sessions.line_items.list(order.stripe_session_id)
    return [(item.description, item.quantity, item.amount_total) for item in items.data]


def stripe_total(order: Order) -> int:
    return payments._client().v1.checkout.sessions.retrieve(order.stripe_session_id).amount_total


# What a code takes off


def test_a_percentage_comes_off_each_line_to_the_nearest_penny(tote, book):
    ten_percent = code(percent=10)

    # 10% of £24.00 is £2.40; 10% of £16.99 is £1.699, so £1.70.
    assert discounts.off_each_line(ten_percent, [(tote.pk, 2400), (book.pk, 1699)]) == [240, 170]


def test_a_fixed_amount_is_shared_by_value_and_its_pennies_add_up(tote, book):
    five_pounds = code(kind=DiscountCode.Kind.AMOUNT, amount=500)

    off = discounts.off_each_line(five_pounds, [(tote.pk, 1200), (book.pk, 1699)])

    assert off == [207, 293]  # 500 × 1200 / 2899 = 206.97…, 500 × 1699 / 2899 = 293.03…
    assert sum(off) == 500


def test_a_fixed_amount_never_takes_off_more_than_the_items_cost(tote):
    fifty_pounds = code(kind=DiscountCode.Kind.AMOUNT, amount=5000)

    assert discounts.off_each_line(fifty_pounds, [(tote.pk, 1200)]) == [1200]


def test_a_code_for_some_products_leaves_the_others_at_full_price(tote, book):
    books_only = code(percent=20, products=[book])

    assert discounts.off_each_line(books_only, [(tote.pk, 1200), (book.pk, 1699)]) == [0, 340]


# In the basket


def test_a_buyer_applies_a_code_and_sees_what_it_takes_off(client, tote, fake_stripe):
    code(percent=10)
    add(client, tote, 2)

    response = apply(client, " summer10 ")

    assert messages_on(response) == ["The code SUMMER10 is applied: 10% off."]
    page = BeautifulSoup(response.content, "html.parser")
    assert page.select_one(".line-discount").get_text(strip=True) == "£2.40 off with SUMMER10"
    assert basket_totals(client) == {
        "Subtotal": "£24.00",
        "Discount (SUMMER10)": "-£2.40",
        "Delivery": "£4.95",
        "Total": "£26.55",
    }
    assert "Pay £26.55 securely" in page.select_one(".button--checkout").get_text()


@pytest.mark.parametrize(
    "fields, typed, message",
    [
        ({}, "WINTER", "“WINTER” is not one of our discount codes. Please check it and try again."),
        ({}, "", "Type your discount code, e.g. SUMMER10, then press Apply."),
        (
            {},
            "SUMMER\x0010",
            "Discount codes are letters, digits and hyphens, like SUMMER10. "
            "Please check yours and try again.",
        ),
        ({"active": False}, "SUMMER10", "The code SUMMER10 is no longer valid."),
        (
            {"ends_at": timezone.make_aware(timezone.datetime(2020, 1, 31, 12))},
            "SUMMER10",
            "The code SUMMER10 ended on 31 January 2020.",
        ),
        (
            {"starts_at": timezone.make_aware(timezone.datetime(2099, 6, 1, 9))},
            "SUMMER10",
            "The code SUMMER10 can be used from 1 June 2099, 09:00.",
        ),
    ],
)
def test_a_code_that_cannot_be_used_is_refused_with_the_reason(
    client, tote, fields, typed, message
):
    code(**fields)
    add(client, tote)

    response = apply(client, typed)

    assert messages_on(response) == [message]
    assert basket_totals(client)["Total"] == "£16.95"


def test_a_code_for_products_not_in_the_basket_is_refused(client, tote, book):
    code(products=[book])
    add(client, tote)

    assert messages_on(apply(client, "SUMMER10")) == [
        "The code SUMMER10 does not apply to anything in your basket."
    ]


def test_codes_take_nothing_off_pre_orders(client, home):
    code()
    add(client, PreOrderProductFactory(title="Vinyl", preorder_cap=10))

    assert messages_on(apply(client, "SUMMER10")) == [
        "The code SUMMER10 does not apply to anything in your basket "
        "(codes take nothing off pre-orders)."
    ]


def test_one_code_an_order_a_second_replaces_the_first_and_it_can_be_removed(client, tote):
    code("SUMMER10", percent=10)
    code("FIVER", kind=DiscountCode.Kind.AMOUNT, amount=500)
    add(client, tote, 2)

    apply(client, "SUMMER10")
    apply(client, "FIVER")
    assert basket_totals(client)["Discount (FIVER)"] == "-£5.00"
    assert "Discount (SUMMER10)" not in basket_totals(client)

    response = client.post(reverse("shop:basket_discount_remove"), follow=True)
    assert messages_on(response) == ["The discount code is removed."]
    assert basket_totals(client)["Total"] == "£28.95"


def test_a_code_that_ends_while_in_the_basket_is_shown_as_not_applied(client, tote):
    summer = code()
    add(client, tote)
    apply(client, "SUMMER10")

    summer.active = False
    summer.save()

    page = BeautifulSoup(client.get(reverse("shop:basket")).content, "html.parser")
    assert "The code SUMMER10 is no longer valid." in page.select_one(".discount-applied").text
    assert basket_totals(client)["Total"] == "£16.95"


def test_delivery_is_free_when_the_goods_after_the_discount_reach_the_threshold(client, home):
    uk = ShippingZone.objects.get(code="uk")
    uk.free_over = 4000
    uk.save()
    pricey = ProductFactory(title="Print", price=4200, shipping_class="small")
    code(kind=DiscountCode.Kind.AMOUNT, amount=500)
    add(client, pricey)
    assert basket_totals(client)["Delivery"] == "£0.00"

    apply(client, "SUMMER10")

    assert basket_totals(client)["Delivery"] == "£2.95"  # £37 of goods: under the threshold


def test_guessing_codes_is_rate_limited_per_address(client, tote, settings):
    settings.QUIRE_DISCOUNT_CODE_LIMIT_PER_IP = (2, 3600)
    code()
    add(client, tote)

    apply(client, "GUESS1")
    apply(client, "GUESS2")
    response = apply(client, "SUMMER10")

    assert messages_on(response) == [
        "Too many discount codes have been tried from here in the last 60 minutes. "
        "Your basket is kept just as it is; please try again later."
    ]
    assert "Discount (SUMMER10)" not in basket_totals(client)


# Paying


def test_the_order_keeps_the_discount_per_line_and_stripe_charges_its_total(
    client, tote, book, fake_stripe
):
    code(kind=DiscountCode.Kind.AMOUNT, amount=1000)
    add(client, tote, 1)
    add(client, book, 3)
    apply(client, "SUMMER10")

    order = paid_order(fake_stripe, client)

    lines = {line.title: (line.line_total, line.discount, line.paid) for line in order.lines.all()}
    # £10 shared by value between £12.00 and £50.97 is 190.57p and 809.43p: the odd penny
    # goes to the larger remainder.
    assert lines == {"Tote": (1200, 191, 1009), "Book": (5097, 809, 4288)}
    assert (order.subtotal, order.discount, order.shipping) == (6297, 1000, 495)
    assert order.total == 6297 - 1000 + 495 == stripe_total(order)
    assert order.discount_label == "SUMMER10"
    assert stripe_items(order) == [
        ("Tote (with code SUMMER10)", 1, 1009),
        ("3 × Book (with code SUMMER10)", 1, 4288),  # £42.88 does not share by three
    ]


def test_vat_is_worked_out_on_what_was_paid_after_the_discount(client, tote, book, fake_stripe):
    details = ShopDetails.for_site(Site.objects.get())
    details.vat_number = "GB999999973"
    details.save()
    code(percent=50, products=[tote])
    add(client, tote, 2)
    add(client, book, 1)
    apply(client, "SUMMER10")

    order = paid_order(fake_stripe, client)

    tote_line = order.lines.get(title="Tote")
    assert (tote_line.paid, tote_line.vat) == (1200, 200)  # £12 of £24 paid, £2 of it VAT
    # Delivery (£4.95) is split by the value paid: £12 at 20%, £16.99 at 0%.
    assert order.shipping_vat == 34
    invoice = {line.description: (line.gross, line.vat) for line in order.vat_invoice_lines()}
    assert invoice["Tote (less £12.00 with SUMMER10)"] == (1200, 200)


def test_the_receipt_and_the_order_page_show_the_discount(client, tote, fake_stripe, smtp_inbox):
    code()
    add(client, tote, 2)
    apply(client, "SUMMER10")

    with TestCase.captureOnCommitCallbacks(execute=True):
        order = paid_order(fake_stripe, client)

    receipt = smtp_inbox.messages[0].get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Subtotal: £24.00\nDiscount (SUMMER10): -£2.40\nDelivery: £4.95\n" in receipt
    assert "Total paid: £26.55" in receipt
    page = BeautifulSoup(client.get(order.get_absolute_url()).content, "html.parser")
    row = page.select_one(".basket-discount")
    assert row.th.get_text(strip=True) == "Discount (SUMMER10)"
    assert row.td.get_text(strip=True) == "-£2.40"


def test_a_code_used_up_after_the_basket_was_seen_stops_checkout_with_the_reason(
    client, tote, fake_stripe
):
    once = code(usage_cap=1)
    add(client, tote)
    apply(client, "SUMMER10")
    other = Client()
    add(other, tote)
    apply(other, "SUMMER10")
    paid_order(fake_stripe, other)  # the one use
    assert once.uses() == 1

    response = client.post(reverse("shop:checkout"), {"email": "b@example.com", "due": "1575"})

    assert response["Location"] == reverse("shop:basket")
    assert Order.objects.count() == 1
    page = client.get(reverse("shop:basket"))
    assert messages_on(page) == [
        "The code SUMMER10 has been used as many times as it can be. "
        "Your basket now shows the price without it."
    ]
    assert basket_totals(client)["Total"] == "£16.95"
    # Nothing is a dead end: the buyer can still pay the full price the page now shows.
    due = BeautifulSoup(page.content, "html.parser").select_one("input[name=due]")["value"]
    assert due == "1695"
    response = client.post(reverse("shop:checkout"), {"email": "b@example.com", "due": due})
    assert response["Location"].startswith(fake_stripe.api_base)


def test_a_code_used_up_while_checkout_waits_for_its_lock_makes_no_order(
    client, tote, fake_stripe, rf
):
    once = code(usage_cap=1)
    add(client, tote)
    apply(client, "SUMMER10")
    request = rf.get("/")
    request.session = client.session
    summary = baskets.summarise(request)
    assert summary.discount == 120
    other = Client()
    add(other, tote)
    apply(other, "SUMMER10")
    paid_order(fake_stripe, other)

    with pytest.raises(checkout.CheckoutError) as refused:
        checkout.create_order_taking_stock(summary, "b@example.com")

    assert refused.value.message == (
        "The code SUMMER10 has been used as many times as it can be. "
        "Your basket now shows the price without it."
    )
    assert once.uses() == 1
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=tote.pk).stock == 9  # only the other buyer's unit


def test_a_buyer_who_goes_back_from_stripe_and_pays_again_keeps_a_one_use_code(
    client, tote, fake_stripe
):
    once = code(usage_cap=1)
    add(client, tote)
    apply(client, "SUMMER10")
    start_checkout(client)  # to Stripe's page, then Back

    order = paid_order(fake_stripe, client)  # pays again: the first checkout is closed first

    assert (order.discount, order.total) == (120, 1080 + 495)
    assert Order.objects.filter(status=Order.Status.CANCELLED).count() == 1
    assert once.uses() == 1


def test_the_admin_listing_counts_every_codes_uses_in_one_query(
    admin_client, tote, fake_stripe, django_assert_max_num_queries
):
    for n in range(5):
        code(f"CODE{n}", usage_cap=10)
    buyer = Client()
    add(buyer, tote)
    apply(buyer, "CODE1")
    paid_order(fake_stripe, buyer)
    listing = reverse("shop_discount_codes:index")
    admin_client.get(listing)

    with django_assert_max_num_queries(20) as counted:
        page = admin_client.get(listing).content.decode()
    more = len(counted)
    for n in range(5, 15):
        code(f"CODE{n}", usage_cap=10)
    with django_assert_max_num_queries(more):  # ten more codes, not one query more
        admin_client.get(listing)
    assert "1 of 10" in page


def test_an_order_that_ends_unpaid_gives_its_use_back(client, tote, fake_stripe):
    once = code(usage_cap=1)
    add(client, tote)
    apply(client, "SUMMER10")
    start_checkout(client)
    order = Order.objects.get()
    assert once.why_not_usable() == "The code SUMMER10 has been used as many times as it can be."

    client.get(reverse("shop:checkout_cancel", args=[order.reference, order.access_token]))

    assert Order.objects.get().status == Order.Status.CANCELLED
    assert once.uses() == 0
    assert once.why_not_usable() == ""


def test_refunding_a_discounted_item_gives_back_what_was_paid_for_it(
    client, tote, fake_stripe, admin_user
):
    code(percent=10)
    add(client, tote, 3)
    apply(client, "SUMMER10")
    order = paid_order(fake_stripe, client)
    line = order.lines.get()
    assert (line.line_total, line.discount) == (3600, 360)

    refund = orders.refund(
        order.pk, key="refund-one-tote", reason="Damaged", lines={line.pk: 1}, by=admin_user
    )

    assert refund.amount == 1080  # a third of £32.40, not the £12.00 list price


def test_the_orders_csv_has_the_code_and_the_discount(client, tote, fake_stripe, admin_client):
    code()
    add(client, tote, 2)
    apply(client, "SUMMER10")
    paid_order(fake_stripe, client)

    response = admin_client.get(reverse("shop_orders:index"), {"export": "csv"})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert (rows[0]["Discount code"], rows[0]["Discount"], rows[0]["Total"]) == (
        "SUMMER10",
        "240",
        "2655",
    )


# In the admin


def test_shop_staff_create_a_code_in_pounds_and_it_is_kept_in_capitals(admin_client, tote):
    response = admin_client.post(
        reverse("shop_discount_codes:add"),
        {
            "code": "welcome5",
            "note": "Newsletter, December",
            "kind": "amount",
            "percent": "",
            "amount": "5.00",
            "products": [tote.pk],
            "starts_at": "",
            "ends_at": "",
            "usage_cap": "100",
            "active": "on",
        },
    )

    assert response.status_code == 302
    made = DiscountCode.objects.get()
    assert (made.code, made.kind, made.amount, made.usage_cap) == ("WELCOME5", "amount", 500, 100)
    assert list(made.products.all()) == [tote]
    listing = admin_client.get(reverse("shop_discount_codes:index"))
    assert "£5.00 off" in listing.content.decode()


def test_a_code_without_its_value_or_ending_before_it_starts_is_refused(admin_client, home):
    now = timezone.now()
    response = admin_client.post(
        reverse("shop_discount_codes:add"),
        {
            "code": "SPRING",
            "kind": "percent",
            "percent": "",
            "amount": "",
            "starts_at": (now + timedelta(days=2)).strftime("%Y-%m-%d %H:%M"),
            "ends_at": (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
            "active": "on",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Give the percentage to take off." in page
    assert "The code must end after it starts." in page
    assert not DiscountCode.objects.exists()
