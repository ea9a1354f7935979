"""Shop staff see, ship and refund orders in the Wagtail admin."""

import csv
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from shop.models import Order, PaymentEvent
from tests.factories import ProductFactory, make_order

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


def test_refunding_a_paid_order_through_the_local_stripe_server(admin_client, home, fake_stripe):
    from shop import payments
    from tests.shop.test_checkout import add, session_id_from, start_checkout

    add(admin_client, ProductFactory(stock=5), 1)
    session_id = session_id_from(start_checkout(admin_client)["Location"])
    fake_stripe.pay(session_id)
    from shop import checkout

    order = checkout.apply_checkout_session(payments.retrieve_checkout_session(session_id))
    assert order.status == Order.Status.PAID

    change(admin_client, order, "refunded")
    change(admin_client, order, "refunded")  # a second click refunds nothing more

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert order.stripe_refund_id.startswith("re_")


def test_a_refund_stripe_refuses_leaves_the_order_paid_with_a_reason(
    admin_client, paid_order, fake_stripe
):
    response = change(admin_client, paid_order, "refunded")  # pi_1 does not exist at Stripe

    assert "Stripe did not refund the payment" in response.content.decode()
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.PAID


def test_shop_staff_without_refund_rights_are_not_offered_a_refund(
    client, django_user_model, paid_order
):
    staff = django_user_model.objects.create_user("packer", password="pw")
    staff.groups.add(Group.objects.get(name="Shop staff"))
    client.force_login(staff)
    assert "Orders" in client.get(reverse("wagtailadmin_home")).content.decode()

    form = client.get(reverse("shop_orders:edit", args=[paid_order.pk])).content.decode()

    assert 'value="shipped"' in form
    assert 'value="refunded"' not in form


def test_an_editor_without_shop_rights_cannot_see_orders(
    client, django_user_model, home, paid_order
):
    editor = django_user_model.objects.create_user("editor", password="pw")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)

    assert "Orders" not in client.get(reverse("wagtailadmin_home")).content.decode()
    assert client.get(reverse("shop_orders:index")).status_code == 302


def test_shop_managers_may_refund(client, django_user_model, paid_order):
    manager = django_user_model.objects.create_user("manager", password="pw")
    manager.groups.add(Group.objects.get(name="Shop managers"))
    client.force_login(manager)

    form = client.get(reverse("shop_orders:edit", args=[paid_order.pk])).content.decode()

    assert 'value="refunded"' in form
