"""Collection in person: a delivery zone where buyers fetch their order from the shop. No
address is asked for and nothing is charged for delivery; staff mark the order ready to collect
(the buyer is emailed where and when) and then collected."""

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse

from shop import orders, payments, settlement
from shop.models import Order, ShippingZone
from tests.factories import PreOrderProductFactory, ProductFactory
from tests.shop.test_checkout import add, messages_on, session_id_from, start_checkout

pytestmark = pytest.mark.django_db

WHERE = "Quire Books, 12 Chapel Street, Salford M3 5JZ\nMonday to Friday, 10:00 to 16:00"


@pytest.fixture
def collection(home):
    return ShippingZone.objects.create(
        name="Collect in Salford",
        collection=True,
        collection_details=WHERE,
        small_parcel_rate=0,
        large_parcel_rate=0,
        position=10,
    )


@pytest.fixture
def tote(home):
    return ProductFactory(title="Tote", price=1200, stock=10, shipping_class="large")


def choose(client, zone):
    return client.post(reverse("shop:basket_region"), {"region": zone.code}, follow=True)


def pay_to_collect(client, fake_stripe) -> Order:
    session_id = session_id_from(start_checkout(client)["Location"])
    fake_stripe.pay(session_id, name="Ann Reader")
    return settlement.settle(payments.retrieve_checkout_session(session_id))


def test_a_collection_zone_says_where_and_covers_no_country(home):
    with pytest.raises(ValidationError) as no_place:
        ShippingZone(
            name="Collect", collection=True, small_parcel_rate=0, large_parcel_rate=0
        ).clean()
    assert no_place.value.message_dict == {
        "collection_details": ["Say where and when buyers collect their orders."]
    }
    with pytest.raises(ValidationError) as posting:
        ShippingZone(
            name="Collect",
            collection=True,
            collection_details=WHERE,
            countries=["GB"],
            small_parcel_rate=0,
            large_parcel_rate=0,
        ).clean()
    assert "countries" in posting.value.message_dict


def test_a_new_basket_is_posted_and_collection_is_the_buyers_choice(client, collection, tote):
    add(client, tote)
    page = BeautifulSoup(client.get(reverse("shop:basket")).content, "html.parser")
    assert page.select_one("#region option[selected]").text == "United Kingdom"

    page = BeautifulSoup(choose(client, collection).content, "html.parser")

    assert page.select_one("#region option[selected]").text == "Collect in Salford"
    assert "12 Chapel Street" in page.select_one(".basket-collect").text
    totals = {row.th.text: row.td.text for row in page.select(".basket-totals tr")}
    assert (totals["Delivery"], totals["Total"]) == ("£0.00", "£12.00")


def test_the_buyer_pays_without_giving_an_address_and_the_order_says_where_to_collect(
    client, collection, tote, fake_stripe, smtp_inbox
):
    add(client, tote)
    choose(client, collection)

    with TestCase.captureOnCommitCallbacks(execute=True):
        order = pay_to_collect(client, fake_stripe)

    session = payments._client().v1.checkout.sessions.retrieve(order.stripe_session_id)
    assert session.shipping_address_collection is None  # Stripe asked for no address
    assert session.amount_total == order.total == 1200
    assert (order.status, order.shipping, order.collect_from) == ("paid", 0, WHERE)
    assert order.shipping_name == "Ann Reader"  # the name given with the card
    page = BeautifulSoup(client.get(order.get_absolute_url()).content, "html.parser")
    assert "12 Chapel Street" in page.find("h2", string="Collect from").find_next("p").text
    receipt = smtp_inbox.messages[0].get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert f"COLLECT FROM\n{WHERE}\n" in receipt
    assert "DELIVERY ADDRESS" not in receipt


def test_staff_mark_it_ready_and_the_buyer_is_told_then_collected(
    client, collection, tote, fake_stripe, smtp_inbox
):
    add(client, tote)
    choose(client, collection)
    order = pay_to_collect(client, fake_stripe)
    assert not orders.staff_may_move(order, Order.Status.SHIPPED)
    with pytest.raises(orders.OrderActionError) as refused:
        orders.change_status(order.pk, Order.Status.SHIPPED)
    assert "collected in person" in refused.value.message

    with TestCase.captureOnCommitCallbacks(execute=True):
        orders.change_status(order.pk, Order.Status.READY_TO_COLLECT)

    (ready,) = [m for m in smtp_inbox.messages if "ready to collect" in m["Subject"]]
    assert ready["Subject"] == f"Your order {order.reference} is ready to collect"
    text = ready.get_body(("plain",)).get_content()
    assert "12 Chapel Street" in text and order.reference in text
    order = orders.change_status(order.pk, Order.Status.COLLECTED)
    assert order.status == Order.Status.COLLECTED
    assert orders.may_be_refunded(order)


def test_a_posted_order_is_never_marked_ready_to_collect(client, tote, fake_stripe):
    add(client, tote)
    session_id = session_id_from(start_checkout(client)["Location"])
    fake_stripe.pay(session_id, name="Ann Reader", line1="1 Canal Street", city="Salford")
    order = settlement.settle(payments.retrieve_checkout_session(session_id))

    with pytest.raises(orders.OrderActionError) as refused:
        orders.change_status(order.pk, Order.Status.READY_TO_COLLECT)

    assert refused.value.message == "This order is posted, not collected: mark it shipped."


def test_pre_orders_cannot_be_collected_and_the_basket_says_why(client, collection, fake_stripe):
    add(client, PreOrderProductFactory(title="Vinyl", preorder_charge_mode="charge_now"))
    choose(client, collection)

    response = start_checkout(client)

    assert response["Location"] == reverse("shop:basket")
    page = client.get(reverse("shop:basket"))
    assert messages_on(page)[0].startswith("Pre-orders are posted to you when they are released")
    assert not Order.objects.exists()


def test_the_packing_list_says_the_order_is_collected_not_posted(
    client, collection, tote, fake_stripe, admin_client
):
    add(client, tote)
    choose(client, collection)
    pay_to_collect(client, fake_stripe)

    page = admin_client.get(reverse("shop_orders:packing_list")).content.decode()

    assert "Collected in person" in page and "do not post" in page
