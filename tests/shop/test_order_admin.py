"""Shop staff see, ship and refund orders in the Wagtail admin."""

import csv
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from shop.models import Order, PaymentEvent, Product
from tests.factories import ProductFactory, make_order
from tests.stripe_fake import FakeStripeError

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order():
    product = ProductFactory(title="Tote", price=1200)
    order = make_order([(product, 2)], email="ruth@example.com", session_id="cs_paid")
    Order.objects.filter(pk=order.pk).update(
        status=Order.Status.PAID, paid_at=timezone.now(), stripe_payment_intent_id="pi_1"
    )
    PaymentEvent.objects.create(
        stripe_event_id="evt_1", type="checkout.session.completed", order=order, outcome="paid"
    )
    return Order.objects.get(pk=order.pk)


def change(client, order, status, tracking=""):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            reverse("shop_orders:edit", args=[order.pk]),
            {"status": status, "tracking_number": tracking},
            follow=True,
        )


def test_staff_list_filter_and_search_orders(admin_client, paid_order):
    other = make_order([(ProductFactory(), 1)], email="someone@example.com", session_id="cs_2")

    listing = admin_client.get(reverse("shop_orders:index")).content.decode()
    assert paid_order.reference in listing and other.reference in listing

    paid_only = admin_client.get(reverse("shop_orders:index"), {"status": "paid"})
    assert other.reference not in paid_only.content.decode()

    found = admin_client.get(reverse("shop_orders:index"), {"q": "ruth@example"}).content.decode()
    assert paid_order.reference in found and other.reference not in found


def test_inspect_shows_lines_and_payment_events(admin_client, paid_order):
    page = admin_client.get(reverse("shop_orders:inspect", args=[paid_order.pk])).content.decode()

    assert "2" in page and "Tote" in page and "£24.00" in page
    assert "checkout.session.completed" in page and "evt_1" in page


def test_orders_export_as_csv(admin_client, paid_order):
    response = admin_client.get(reverse("shop_orders:index"), {"export": "csv"})

    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["Reference"] == paid_order.reference
    assert rows[0]["Total"] == "2695"


def test_staff_ship_with_a_tracking_number_and_the_buyer_is_emailed_once(admin_client, paid_order):
    refused = change(admin_client, paid_order, "shipped")
    assert "Enter the tracking number" in refused.content.decode()

    change(admin_client, paid_order, "shipped", "RM123456789GB")
    change(admin_client, paid_order, "shipped", "RM123456789GB")

    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.SHIPPED
    assert paid_order.shipped_at is not None
    assert [m.subject for m in mail.outbox] == [f"Your order {paid_order.reference} is on its way"]
    assert "RM123456789GB" in mail.outbox[0].body


def test_only_allowed_transitions_are_offered_and_accepted(admin_client, paid_order):
    form = admin_client.get(reverse("shop_orders:edit", args=[paid_order.pk])).content.decode()
    assert 'value="packed"' in form and 'value="pending"' not in form

    response = change(admin_client, paid_order, "pending")

    assert response.status_code == 200
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.PAID


def test_orders_cannot_be_added_or_deleted_in_the_admin(admin_client, paid_order):
    listing = admin_client.get(reverse("shop_orders:index")).content.decode()

    assert reverse("shop_orders:add") not in listing
    assert admin_client.get(reverse("shop_orders:add")).status_code in (302, 403)
    assert admin_client.post(reverse("shop_orders:delete", args=[paid_order.pk])).status_code in (
        302,
        403,
    )
    assert Order.objects.filter(pk=paid_order.pk).exists()


def test_an_editor_without_shop_rights_cannot_see_orders(
    client, django_user_model, home, paid_order
):
    editor = django_user_model.objects.create_user("editor", password="pw")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)

    assert "Orders" not in client.get(reverse("wagtailadmin_home")).content.decode()
    assert client.get(reverse("shop_orders:index")).status_code == 302


# What staff may do to an order awaiting payment ------------------------------------------


@pytest.fixture
def awaiting_payment(admin_client, home, fake_stripe):
    """An order a buyer took to Stripe's page and left there: stock held, session open."""
    from tests.shop.test_checkout import add, start_checkout

    product = ProductFactory(stock=5)
    add(admin_client, product, 2)
    start_checkout(admin_client)
    return Order.objects.get(status=Order.Status.PENDING), product


@pytest.mark.parametrize("status", ["paid", "processing", "expired", "payment_failed"])
def test_staff_cannot_set_what_only_stripe_can_say(admin_client, awaiting_payment, status):
    """A hand-paid order has no payment behind it to refund; expiry and failure come from
    Stripe's session, so staff are told how to stop an order instead."""
    order, product = awaiting_payment

    response = change(admin_client, order, status)

    page = response.content.decode()
    assert response.status_code == 200
    assert "only from Stripe" in page
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert Product.objects.get(pk=product.pk).stock == 3


def test_staff_are_offered_only_cancel_for_an_order_awaiting_payment(
    admin_client, awaiting_payment
):
    order, _ = awaiting_payment

    form = admin_client.get(reverse("shop_orders:edit", args=[order.pk])).content.decode()

    assert 'value="cancelled"' in form
    for status in ["paid", "processing", "expired", "payment_failed", "refunded"]:
        assert f'value="{status}"' not in form


def test_cancelling_closes_the_payment_page_at_stripe_and_returns_the_stock(
    admin_client, awaiting_payment, fake_stripe
):
    """A cancelled order that could still be paid at Stripe would take money for nothing."""
    order, product = awaiting_payment

    response = change(admin_client, order, "cancelled")

    assert f"Order {order.reference} cancelled" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert Product.objects.get(pk=product.pk).stock == 5
    with pytest.raises(FakeStripeError):
        fake_stripe.pay(order.stripe_session_id)


def test_a_cancel_stripe_cannot_confirm_changes_nothing_and_says_so(
    admin_client, awaiting_payment, settings
):
    order, product = awaiting_payment
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there

    response = change(admin_client, order, "cancelled")

    assert "Nothing was changed" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert Product.objects.get(pk=product.pk).stock == 3


def test_cancelling_an_order_the_buyer_has_just_paid_keeps_it_paid_and_says_so(
    admin_client, awaiting_payment, fake_stripe
):
    """The webhook has not arrived yet: Stripe's word wins over the staff member's click."""
    order, product = awaiting_payment
    fake_stripe.pay(order.stripe_session_id)

    response = change(admin_client, order, "cancelled")

    assert "was paid at Stripe before it could be cancelled" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert Product.objects.get(pk=product.pk).stock == 3
