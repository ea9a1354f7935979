"""Refunds from the order admin, against the local Stripe server: a confirmation page, by line
or by amount, never more than is left, once per confirmation, with restock and an email."""

import pytest
import stripe
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from shop import payments, settlement
from shop.models import Order, Product, Refund
from tests.conftest import addressee
from tests.factories import ProductFactory, make_order
from tests.shop.test_checkout import add, session_id_from, start_checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def stripe_refunds(fake_stripe):
    """What the local Stripe server holds as refunded for a payment, refund by refund."""
    client = stripe.StripeClient("sk_test_quire", base_addresses={"api": fake_stripe.api_base})

    def amounts(payment_intent: str) -> list[int]:
        listed = client.v1.refunds.list(params={"payment_intent": payment_intent})
        return sorted(refund.amount for refund in listed.data)

    return amounts


@pytest.fixture
def paid_order(home, fake_stripe):
    """An order a buyer paid on the local Stripe server: 2 totes at £12 and a £8 map, £2.95
    delivery, £34.95 in all, with stock counted."""
    buyer = Client()
    tote = ProductFactory(title="Tote", price=1200, stock=10)
    map_ = ProductFactory(title="Map", price=800, stock=10)
    add(buyer, tote, 2)
    add(buyer, map_, 1)
    session_id = session_id_from(start_checkout(buyer)["Location"])
    fake_stripe.pay(session_id)
    order = settlement.settle(payments.retrieve_checkout_session(session_id))
    assert (order.status, order.total) == (Order.Status.PAID, 3495)
    return order


def line_of(order, title):
    return order.lines.get(title=title)


def refund_page(client, order):
    return client.get(reverse("shop_orders:refund", args=[order.pk]))


def fill_refund(client, order, *, lines=None, amount="", restock=False, reason="Damaged"):
    """The refund form as staff fill it in on the page they were shown (its one-time key)."""
    page = BeautifulSoup(refund_page(client, order).content, "html.parser")
    data = {"key": page.select_one("[name=key]")["value"], "amount": amount, "reason": reason}
    if restock:
        data["restock"] = "on"
    for title, units in (lines or {}).items():
        data[f"line_{line_of(order, title).pk}"] = str(units)
    return data


def confirm(client, order, data):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("shop_orders:refund", args=[order.pk]), data, follow=True)


def test_the_confirmation_page_shows_what_was_paid_and_refunded(admin_client, paid_order):
    page = refund_page(admin_client, paid_order).content.decode()

    assert "Tote" in page and "Map" in page
    assert "£34.95" in page and "Left to refund" in page
    assert Refund.objects.count() == 0  # looking refunds nothing


def test_a_full_refund_refunds_everything_and_marks_the_order_refunded(
    admin_client, paid_order, stripe_refunds
):
    response = confirm(
        admin_client, paid_order, fill_refund(admin_client, paid_order, amount="34.95")
    )

    assert "Refunded £34.95" in response.content.decode()
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.REFUNDED
    assert paid_order.refunded_at is not None
    assert stripe_refunds(paid_order.stripe_payment_intent_id) == [3495]


def test_two_partial_refunds_each_reach_stripe_and_the_order_shows_both(
    admin_client, paid_order, stripe_refunds
):
    """A later refund is a new one at Stripe (its own key), not a replay of the first."""
    confirm(admin_client, paid_order, fill_refund(admin_client, paid_order, lines={"Tote": 1}))

    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.PAID
    inspect = admin_client.get(reverse("shop_orders:inspect", args=[paid_order.pk]))
    assert "Paid (partly refunded)" in inspect.content.decode()

    confirm(admin_client, paid_order, fill_refund(admin_client, paid_order, amount="£10.00"))

    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.PAID
    assert stripe_refunds(paid_order.stripe_payment_intent_id) == [1000, 1200]
    refunds = list(paid_order.refunds.all())
    assert [(r.amount, [(x.line.title, x.quantity) for x in r.lines.all()]) for r in refunds] == [
        (1200, [("Tote", 1)]),
        (1000, []),
    ]
    inspect = admin_client.get(reverse("shop_orders:inspect", args=[paid_order.pk])).content
    assert "£22.00 of £34.95 refunded" in inspect.decode()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"amount": "34.96"}, "At most £34.95 is left to refund"),
        ({"lines": {"Tote": 3}}, "Only 2 × Tote can still be refunded."),
        ({"lines": {"Tote": -1}}, "Ensure this value is greater than or equal to 0."),
        ({"amount": "12,5"}, "Enter an amount such as 18.50"),
        ({"amount": "0"}, "must be more than nothing"),
        ({}, "Choose the items to refund, or type an amount."),
        ({"amount": "5", "restock": True}, "Choose the items to put back in stock."),
        ({"lines": {"Map": 1}, "reason": ""}, "This field is required."),
    ],
)
def test_a_refund_that_cannot_be_made_is_refused_with_a_message(
    admin_client, paid_order, stripe_refunds, form, message
):
    response = confirm(admin_client, paid_order, fill_refund(admin_client, paid_order, **form))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Refund.objects.count() == 0
    assert stripe_refunds(paid_order.stripe_payment_intent_id) == []


def test_nothing_more_than_is_left_after_an_earlier_refund(
    admin_client, paid_order, stripe_refunds
):
    confirm(admin_client, paid_order, fill_refund(admin_client, paid_order, amount="30.00"))

    response = confirm(admin_client, paid_order, fill_refund(admin_client, paid_order, amount="5"))

    assert "At most £4.95 is left to refund" in response.content.decode()
    assert stripe_refunds(paid_order.stripe_payment_intent_id) == [3000]


def test_submitting_the_same_confirmation_twice_refunds_once(
    admin_client, paid_order, stripe_refunds
):
    data = fill_refund(admin_client, paid_order, lines={"Map": 1})

    confirm(admin_client, paid_order, data)
    again = confirm(admin_client, paid_order, data)

    assert "Refunded £8.00" in again.content.decode()
    assert stripe_refunds(paid_order.stripe_payment_intent_id) == [800]
    assert Refund.objects.count() == 1


def test_restock_puts_the_refunded_units_back_on_sale(admin_client, paid_order):
    tote, map_ = line_of(paid_order, "Tote").product, line_of(paid_order, "Map").product
    assert (Product.objects.get(pk=tote.pk).stock, Product.objects.get(pk=map_.pk).stock) == (8, 9)

    data = fill_refund(admin_client, paid_order, lines={"Tote": 2}, restock=True)
    confirm(admin_client, paid_order, data)
    confirm(admin_client, paid_order, fill_refund(admin_client, paid_order, lines={"Map": 1}))

    assert Product.objects.get(pk=tote.pk).stock == 10
    assert Product.objects.get(pk=map_.pk).stock == 9  # refunded without restock: kept back
    assert list(Refund.objects.values_list("restocked", flat=True)) == [True, False]


def test_the_buyer_is_emailed_about_each_refund_once(
    admin_client, paid_order, smtp_inbox, settings
):
    data = fill_refund(admin_client, paid_order, lines={"Tote": 1}, reason="The strap broke")
    confirm(admin_client, paid_order, data)
    confirm(admin_client, paid_order, data)

    assert len(smtp_inbox.messages) == 1
    email = smtp_inbox.messages[0]
    assert addressee(email) == paid_order.email
    assert email["Subject"] == f"Your refund of £12.00 for order {paid_order.reference}"
    text = email.get_body(("plain",)).get_content()
    assert "1 × Tote" in text and "The strap broke" in text
    assert Refund.objects.get().refund_email_sent_at is not None


def test_a_refund_email_smtp_refused_is_sent_by_the_sweep(
    admin_client, paid_order, smtp_inbox, settings
):
    from shop.emails import send_pending_emails

    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # nothing listens there
    confirm(admin_client, paid_order, fill_refund(admin_client, paid_order, lines={"Map": 1}))
    assert smtp_inbox.messages == []

    settings.EMAIL_PORT = port
    send_pending_emails()

    refund_emails = [m["Subject"] for m in smtp_inbox.messages if "refund" in m["Subject"]]
    assert refund_emails == [f"Your refund of £8.00 for order {paid_order.reference}"]
    assert Refund.objects.get().refund_email_sent_at is not None


def test_a_refund_stripe_refuses_changes_nothing_and_says_why(admin_client, home, fake_stripe):
    order = make_order([(ProductFactory(), 1)], session_id="cs_paid")
    Order.objects.filter(pk=order.pk).update(
        status=Order.Status.PAID, paid_at=timezone.now(), stripe_payment_intent_id="pi_unknown"
    )

    response = confirm(admin_client, order, fill_refund(admin_client, order, amount="1"))

    assert "Stripe did not make the refund" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert Refund.objects.count() == 0


def test_only_paid_orders_with_a_payment_offer_a_refund(admin_client, home):
    pending = make_order([(ProductFactory(), 1)], session_id="cs_pending")

    response = admin_client.get(reverse("shop_orders:refund", args=[pending.pk]), follow=True)

    assert "Only paid orders can be refunded" in response.content.decode()
    inspect = admin_client.get(reverse("shop_orders:inspect", args=[pending.pk])).content.decode()
    assert reverse("shop_orders:refund", args=[pending.pk]) not in inspect


def test_shop_managers_find_the_refund_button(client, django_user_model, paid_order):
    manager = django_user_model.objects.create_user("manager", password="pw")
    manager.groups.add(Group.objects.get(name="Shop managers"))
    client.force_login(manager)

    inspect = client.get(reverse("shop_orders:inspect", args=[paid_order.pk])).content.decode()

    assert reverse("shop_orders:refund", args=[paid_order.pk]) in inspect
    assert refund_page(client, paid_order).status_code == 200


def test_shop_staff_without_the_refund_permission_get_no_button_and_are_refused(
    client, django_user_model, paid_order, stripe_refunds
):
    staff = django_user_model.objects.create_user("packer", password="pw")
    staff.groups.add(Group.objects.get(name="Shop staff"))
    client.force_login(staff)
    url = reverse("shop_orders:refund", args=[paid_order.pk])

    inspect = client.get(reverse("shop_orders:inspect", args=[paid_order.pk])).content.decode()

    assert url not in inspect
    refused = client.get(url, follow=True)  # Wagtail's way: back to the dashboard, and why
    assert "permission" in refused.content.decode()
    assert refused.redirect_chain[0] == (reverse("wagtailadmin_home"), 302)
    posted = client.post(url, {"key": "k" * 24, "amount": "34.95", "reason": "Because"})
    assert posted.status_code in (302, 403)
    assert Refund.objects.count() == 0
    assert stripe_refunds(paid_order.stripe_payment_intent_id) == []


def test_the_status_form_sends_refunds_to_the_refund_page(admin_client, paid_order):
    form = admin_client.get(reverse("shop_orders:edit", args=[paid_order.pk])).content.decode()
    assert 'value="refunded"' not in form

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = admin_client.post(
            reverse("shop_orders:edit", args=[paid_order.pk]), {"status": "refunded"}
        )

    assert "Use the Refund button" in response.content.decode()
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.PAID


# Refunds racing on PostgreSQL ------------------------------------------------------------


@pytest.fixture
def paid_through_stripe(fake_stripe):
    """A paid order of two £12 totes (£26.95 with delivery), without the site's pages: the
    races below run on separate connections, outside the test's transaction."""
    tote = ProductFactory(title="Tote", price=1200, stock=8)  # 10, less the 2 bought
    order = make_order([(tote, 2)], session_id=None)
    session = payments.create_checkout_session(
        payments.PaymentRequest(
            kind="order",
            reference=order.reference,
            email=order.email,
            currency=order.currency,
            lines=[payments.LineItem("Tote", 1200, 2)],
            success_url="http://testserver/done",
            cancel_url="http://testserver/cancelled",
            shipping_amount=order.shipping,
            shipping_label="Delivery",
        )
    )
    Order.objects.filter(pk=order.pk).update(stripe_session_id=session.id)
    fake_stripe.pay(session.id)
    order = settlement.settle(payments.retrieve_checkout_session(session.id))
    assert order.status == Order.Status.PAID
    return order, tote


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_refunds_racing_never_give_back_more_units_or_money_than_were_paid(
    paid_through_stripe, stripe_refunds
):
    """Eight confirmations of one tote each, at once: only the two bought are refunded and
    restocked; the rest are told nothing is left."""
    from shop import orders
    from tests.shop.test_concurrency import race_collecting

    order, tote = paid_through_stripe
    line = order.lines.get()

    results, refusals = race_collecting(
        8,
        lambda n: orders.refund(
            order.pk,
            key=f"race-key-{n:04d}-abcdefgh",
            reason="Race",
            lines={line.pk: 1},
            restock=True,
        ),
        orders.OrderActionError,
    )

    assert len(results) == 2 and len(refusals) == 6
    assert all("can still be refunded" in error.message for error in refusals)
    assert stripe_refunds(order.stripe_payment_intent_id) == [1200, 1200]
    assert Product.objects.get(pk=tote.pk).stock == 10
    assert Refund.objects.filter(order=order).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_confirmation_sent_many_times_at_once_refunds_once(paid_through_stripe, stripe_refunds):
    from shop import orders
    from tests.shop.test_concurrency import race_collecting

    order, tote = paid_through_stripe
    line = order.lines.get()

    results, refusals = race_collecting(
        6,
        lambda n: orders.refund(
            order.pk,
            key="one-page-key-abcdefghij",
            reason="Twice",
            lines={line.pk: 1},
            restock=True,
        ),
        orders.OrderActionError,
    )

    assert {refund.pk for refund in results} == {Refund.objects.get().pk}
    assert stripe_refunds(order.stripe_payment_intent_id) == [1200]
    assert Product.objects.get(pk=tote.pk).stock == 9
