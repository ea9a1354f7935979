"""A buyer's data on request: shop managers export everything held about one email address and
erase it where no legal duty to keep it remains, each request recorded (shop/buyer_data.py)."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from shop import buyer_data, emails, preorders
from shop.models import (
    Basket,
    BasketLine,
    BuyerDataRequest,
    Order,
    OrderLine,
    PaymentEvent,
    PreOrder,
    Refund,
    RefundLine,
)
from shop.models.orders import ERASED_EMAIL
from tests.factories import PreOrderProductFactory, ProductFactory, make_order
from tests.shop.stripe_events import checkout_session, deliver, event
from tests.shop.test_admin_roles import signed_in

pytestmark = pytest.mark.django_db

RUTH = "ruth@example.com"
LOOKUP = reverse("shop_buyer_data")
EXPORT = reverse("shop_buyer_data_export")
ERASE = reverse("shop_buyer_data_erase")


def order_for(email, status, *, session_id, days_ago=0, **fields):
    """An order of a tote bag in `status`, last changed `days_ago` days ago."""
    order = make_order(
        [(ProductFactory(title="Tote bag", slug=f"tote-{session_id}", price=1200), 2)],
        email=email,
        session_id=session_id,
        shipping_name=fields.pop("shipping_name", "Ruth Buyer"),
        shipping_address=fields.pop(
            "shipping_address",
            {
                "line1": "1 Canal Street",
                "city": "Salford",
                "postal_code": "M5 4WT",
                "country": "GB",
            },
        ),
    )
    when = timezone.now() - timedelta(days=days_ago)
    Order.objects.filter(pk=order.pk).update(status=status, updated_at=when, **fields)
    return Order.objects.get(pk=order.pk)


def shipped_order(email=RUTH, session_id="cs_ruth"):
    now = timezone.now()
    return order_for(
        email,
        Order.Status.SHIPPED,
        session_id=session_id,
        paid_at=now,
        shipped_at=now,
        tracking_number="RM123456789GB",
        stripe_payment_intent_id=f"pi_{session_id}",
        confirmation_sent_at=now,
        staff_notified_at=now,
        shipping_notice_sent_at=now,
    )


def preorder_for(email, status, *, token, days_ago=0):
    book = PreOrderProductFactory(title=f"Dirty Old Town {token}")
    buyer = preorders.Buyer("Ruth Buyer", email, "1 Canal Street", "", "Salford", "M5 4WT", "GB")
    preorder = preorders.place_preorder(book.pk, 1, buyer, token)[0]
    when = timezone.now() - timedelta(days=days_ago)
    PreOrder.objects.filter(pk=preorder.pk).update(status=status, updated_at=when)
    return PreOrder.objects.get(pk=preorder.pk)


def refund(order, amount=1200):
    made = Refund.objects.create(
        order=order,
        amount=amount,
        reason="Handle came off",
        idempotency_key=f"key-{order.pk}",
        stripe_refund_id=f"re_{order.pk}",
        refund_email_sent_at=timezone.now(),
    )
    RefundLine.objects.create(refund=made, line=order.lines.first(), quantity=1)
    return made


def paid_event(order, event_id):
    payload = event(
        "checkout.session.completed",
        checkout_session(order.stripe_session_id, reference=order.reference),
        event_id=event_id,
    )
    payload["data"]["object"]["customer_details"]["email"] = order.email
    return PaymentEvent.objects.create(
        stripe_event_id=event_id, type=payload["type"], order=order, payload=payload, outcome="paid"
    )


@pytest.fixture
def manager(client, django_user_model, home):
    return signed_in(client, django_user_model, "Shop managers")


def download(client, email):
    response = client.post(EXPORT, {"email": email})
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="buyer-data-')
    return json.loads(response.content)


def confirm_and_erase(client, email):
    """Press Erase, then Erase now with the fingerprint the confirmation page carried."""
    confirmation = client.post(ERASE, {"email": email})
    assert confirmation.status_code == 200
    fingerprint = confirmation.context["plan"].fingerprint
    assert f'value="{fingerprint}"' in confirmation.content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(ERASE, {"email": email, "confirmed": fingerprint}, follow=True)


# Export ----------------------------------------------------------------------------------------


def test_export_contains_each_kind_of_record_and_nothing_of_another_buyer(manager):
    order = shipped_order()
    basket = Basket.objects.create(shipping_region="uk")
    BasketLine.objects.create(basket=basket, product=order.lines.get().product, quantity=1)
    Order.objects.filter(pk=order.pk).update(basket=basket)
    refund(order)
    paid_event(order, "evt_ruth")
    preorder = preorder_for("Ruth@Example.com", PreOrder.Status.SHIPPED, token="ruth-1")
    other = shipped_order("sam@example.com", session_id="cs_sam")
    paid_event(other, "evt_sam")

    export = download(manager, "  RUTH@example.com ")

    assert export["format"] == buyer_data.EXPORT_FORMAT
    assert export["email"] == RUTH
    [exported] = export["orders"]
    assert exported["reference"] == order.reference
    assert exported["status"] == "Shipped"
    assert exported["items"] == [
        {
            "title": "Tote bag",
            "quantity": 2,
            "unit_price": {"amount": 1200, "display": "£12.00"},
            "total": {"amount": 2400, "display": "£24.00"},
        }
    ]
    assert exported["total"] == {"amount": 2695, "display": "£26.95"}
    assert exported["delivery_address"][:2] == ["Ruth Buyer", "1 Canal Street"]
    assert exported["refunds"][0]["amount"]["amount"] == 1200
    assert exported["refunds"][0]["items"] == ["1 × Tote bag"]
    assert [e["kind"] for e in exported["refunds"][0]["emails_sent"]] == ["order_refunded"]
    assert {e["kind"] for e in exported["emails_sent"]} == {
        "order_confirmed",
        "staff_new_order",
        "order_shipped",
    }
    assert [p["reference"] for p in export["pre_orders"]] == [preorder.reference]
    assert export["pre_orders"][0]["delivery_address"][0] == "Ruth Buyer"
    assert export["baskets"][0]["items"] == [{"product": "Tote bag", "quantity": 1}]
    assert [e["stripe_event"] for e in export["payment_events"]] == ["evt_ruth"]
    text = json.dumps(export)
    assert other.reference not in text and "sam@example.com" not in text and "evt_sam" not in text


def test_every_email_kind_sent_about_a_purchase_is_exported_from_the_registry(manager):
    order = shipped_order()
    exported = download(manager, RUTH)["orders"][0]

    # One receipt, named as the kind it was for an order paid at once (not "after a delay").
    assert [e["kind"] for e in exported["emails_sent"]].count("order_confirmed") == 1
    for entry in exported["emails_sent"]:
        registered = emails.EMAILS[entry["kind"]]
        assert getattr(order, registered.sent_field) is not None
        assert entry["email"] == registered.label


def test_an_export_is_recorded_by_who_made_it_and_not_by_the_address(manager):
    shipped_order()

    download(manager, RUTH)

    record = BuyerDataRequest.objects.get()
    assert record.action == BuyerDataRequest.Action.EXPORT
    assert record.handled_by_name == "shop-managers"
    assert record.counts["orders exported"] == 1
    assert record.email_hash == buyer_data.email_hash(RUTH) and RUTH not in record.email_hash
    assert list(buyer_data.past_requests("Ruth@Example.com")) == [record]


# Bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LOOKUP, EXPORT, ERASE])
def test_an_address_that_is_not_one_is_refused_on_the_page(manager, url):
    response = manager.post(url, {"email": "ruth at example"})

    assert response.status_code == 200
    assert "is not an email address" in response.content.decode()
    assert not BuyerDataRequest.objects.exists()


def test_an_address_nothing_is_held_about_says_so(manager):
    shipped_order("sam@example.com", session_id="cs_sam")

    lookup = manager.post(LOOKUP, {"email": RUTH}).content.decode()
    export = manager.post(EXPORT, {"email": RUTH})
    erase = manager.post(ERASE, {"email": RUTH})

    assert f"Nothing is held about {RUTH}" in lookup
    assert "Download everything" not in lookup
    assert export.status_code == 200 and export["Content-Type"].startswith("text/html")
    assert "there is nothing to export" in export.content.decode()
    assert "there is nothing to erase" in erase.content.decode()
    assert not BuyerDataRequest.objects.exists()


def test_the_lookup_page_lists_what_is_held_and_earlier_requests(manager):
    order = shipped_order()
    download(manager, RUTH)

    page = manager.post(LOOKUP, {"email": RUTH}).content.decode()

    assert order.reference in page and "Shipped" in page
    assert "Earlier requests about this address" in page and "Export on" in page


# Erasure ---------------------------------------------------------------------------------------


def test_erasure_anonymises_closed_paid_orders_and_keeps_the_sale(manager):
    order = shipped_order()
    refunded = order_for(
        RUTH, Order.Status.REFUNDED, session_id="cs_ruth_2", stripe_payment_intent_id="pi_2"
    )
    made = refund(refunded, amount=2695)
    link = order.get_absolute_url()

    confirm_and_erase(manager, RUTH)

    order.refresh_from_db()
    assert order.email == ERASED_EMAIL
    assert order.shipping_name == "(erased)"
    assert order.shipping_address == {"country": "GB"}
    assert order.anonymised_at is not None
    assert (order.reference, order.status, order.total) == (
        order.reference,
        Order.Status.SHIPPED,
        2695,
    )
    assert order.tracking_number == "RM123456789GB" and order.paid_at is not None
    assert [(line.title, line.quantity, line.unit_price) for line in order.lines.all()] == [
        ("Tote bag", 2, 1200)
    ]
    assert Refund.objects.get(pk=made.pk).amount == 2695
    assert Order.objects.get(pk=refunded.pk).email == ERASED_EMAIL
    assert manager.get(link).status_code == 404  # the old private link opens nothing
    assert buyer_data.find(RUTH).is_empty


def test_erasure_deletes_what_ended_unpaid_long_ago_and_anonymises_what_ended_lately(manager):
    old = order_for(RUTH, Order.Status.EXPIRED, session_id="cs_old", days_ago=30)
    old_basket = Basket.objects.create()
    Order.objects.filter(pk=old.pk).update(basket=old_basket)
    recent = order_for(RUTH, Order.Status.CANCELLED, session_id="cs_recent", days_ago=1)
    cancelled = preorder_for(RUTH, PreOrder.Status.CANCELLED, token="ruth-old", days_ago=30)
    lately = preorder_for(RUTH, PreOrder.Status.EXPIRED, token="ruth-new", days_ago=1)

    confirm_and_erase(manager, RUTH)

    assert not Order.objects.filter(pk=old.pk).exists()
    assert not OrderLine.objects.filter(order_id=old.pk).exists()
    assert not Basket.objects.filter(pk=old_basket.pk).exists()
    assert not PreOrder.objects.filter(pk=cancelled.pk).exists()
    # Stripe may still send news of these for 3 days: kept, without the buyer, to be found.
    assert Order.objects.get(pk=recent.pk).email == ERASED_EMAIL
    kept = PreOrder.objects.get(pk=lately.pk)
    assert (kept.email, kept.name, kept.address_line1, kept.postcode) == (
        ERASED_EMAIL,
        "(erased)",
        "(erased)",
        "",
    )
    assert kept.country == "GB"
    record = BuyerDataRequest.objects.get()
    assert record.counts["orders deleted"] == 1 and record.counts["pre-orders deleted"] == 1
    assert sorted(record.kept_references) == sorted([recent.reference, lately.reference])


@pytest.mark.parametrize(
    "status, reason",
    [
        (Order.Status.PENDING, "is awaiting payment"),
        (Order.Status.PROCESSING, "has a payment still clearing"),
        (Order.Status.PAID, "is paid and not yet shipped"),
        (Order.Status.PACKED, "is packed and not yet shipped"),
    ],
)
def test_an_open_order_blocks_erasure_with_its_reason(manager, status, reason):
    shipped = shipped_order()
    open_order = order_for(RUTH, status, session_id="cs_open")

    lookup = manager.post(LOOKUP, {"email": RUTH}).content.decode()
    refused = manager.post(ERASE, {"email": RUTH}).content.decode()

    assert f"Order {open_order.reference} {reason}" in lookup
    assert f"Order {open_order.reference} {reason}" in refused
    assert "Erase now" not in refused
    assert Order.objects.get(pk=shipped.pk).email == RUTH  # nothing erased, not even the rest
    assert Order.objects.get(pk=open_order.pk).email == RUTH
    record = BuyerDataRequest.objects.get()
    assert record.action == BuyerDataRequest.Action.ERASURE_REFUSED
    assert reason in record.outcome


@pytest.mark.parametrize(
    "status",
    [
        PreOrder.Status.RESERVED,
        PreOrder.Status.CARD_SAVED,
        PreOrder.Status.PAYMENT_NEEDED,
        PreOrder.Status.PAID,
        PreOrder.Status.AWAITING_PAYMENT,
    ],
)
def test_a_pre_order_still_to_be_fulfilled_blocks_erasure(manager, status):
    preorder = preorder_for(RUTH, status, token="ruth-open")

    refused = manager.post(ERASE, {"email": RUTH}).content.decode()

    assert f"Pre-order {preorder.reference} is" in refused
    assert "still to be paid or sent" in refused
    assert PreOrder.objects.get(pk=preorder.pk).email == RUTH
    with pytest.raises(buyer_data.ErasureRefused):
        buyer_data.erase(RUTH, by=None, confirmed="")


def test_erasure_is_recorded_with_who_did_it_and_what_stripe_still_holds(manager):
    order = shipped_order()

    erased = confirm_and_erase(manager, RUTH).content.decode()

    record = BuyerDataRequest.objects.get()
    assert record.action == BuyerDataRequest.Action.ERASURE
    assert record.handled_by_name == "shop-managers"
    assert record.counts["orders anonymised"] == 1
    assert record.kept_references == [order.reference]
    assert "Stripe's dashboard" in record.outcome and "pi_cs_ruth" in record.outcome
    assert RUTH not in json.dumps([record.outcome, record.counts, record.kept_references])
    assert "Erased: orders anonymised: 1" in erased  # the record's page, after the redirect
    assert list(buyer_data.past_requests(RUTH)) == [record]


def test_a_plan_that_changed_since_it_was_confirmed_erases_nothing(manager):
    shipped_order()
    confirmation = manager.post(ERASE, {"email": RUTH})
    fingerprint = confirmation.context["plan"].fingerprint
    second = shipped_order(session_id="cs_ruth_2")  # a new purchase, shipped meanwhile

    again = manager.post(ERASE, {"email": RUTH, "confirmed": fingerprint})

    assert "changed since you looked" in again.content.decode()
    assert Order.objects.get(pk=second.pk).email == RUTH
    assert Order.objects.filter(email=RUTH).count() == 2
    assert not BuyerDataRequest.objects.exists()


def test_erasure_strips_the_buyer_from_payment_events_and_keeps_them(manager):
    order = shipped_order()
    paid_event(order, "evt_ruth")

    confirm_and_erase(manager, RUTH)

    stored = PaymentEvent.objects.get(stripe_event_id="evt_ruth")
    assert stored.order_id == order.pk
    text = json.dumps(stored.payload)
    assert RUTH not in text and "Ruth Buyer" not in text and "Canal Street" not in text
    assert stored.payload["data"]["object"]["amount_total"] == 1495


def test_erasure_leaves_totals_and_the_csv_exports_intact(manager, admin_client):
    shipped_order()
    shipped_order("sam@example.com", session_id="cs_sam")
    preorder_for(RUTH, PreOrder.Status.SHIPPED, token="ruth-1")

    def exported(url):
        response = admin_client.get(reverse(url), {"export": "csv"})
        rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
        return [
            {k: v for k, v in row.items() if k not in {"Email", "Name", "Shipping name", "Address"}}
            for row in rows
        ]

    before = exported("shop_orders:index"), exported("shop_preorders:index")
    confirm_and_erase(manager, RUTH)
    after = exported("shop_orders:index"), exported("shop_preorders:index")

    assert after == before
    orders_csv = admin_client.get(reverse("shop_orders:index"), {"export": "csv"})
    assert RUTH not in b"".join(orders_csv.streaming_content).decode()


def test_no_email_goes_to_an_erased_buyer(manager):
    order = shipped_order()
    Order.objects.filter(pk=order.pk).update(shipping_notice_sent_at=None)  # still due

    confirm_and_erase(manager, RUTH)
    mail.outbox.clear()
    emails.send_pending_emails()

    assert mail.outbox == []


# A late webhook -------------------------------------------------------------------------------


def test_a_late_webhook_for_an_erased_order_changes_nothing_and_keeps_no_personal_data(
    manager, client
):
    order = shipped_order()
    confirm_and_erase(manager, RUTH)
    mail.outbox.clear()
    session = checkout_session(order.stripe_session_id, reference=order.reference)
    session["customer_details"]["email"] = RUTH

    response = deliver(client, event("checkout.session.completed", session, event_id="evt_late"))

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert (order.email, order.shipping_name) == (ERASED_EMAIL, "(erased)")
    assert order.shipping_address == {"country": "GB"}
    late = PaymentEvent.objects.get(stripe_event_id="evt_late")
    assert late.order_id == order.pk and late.outcome == f"order {order.reference} is shipped"
    text = json.dumps(late.payload)
    assert RUTH not in text and "Ruth Buyer" not in text and "Canal Street" not in text
    assert mail.outbox == []


def test_a_late_payment_for_an_erased_unpaid_order_is_refunded_not_kept(
    manager, client, monkeypatch
):
    order = order_for(RUTH, Order.Status.CANCELLED, session_id="cs_gone", days_ago=1)
    confirm_and_erase(manager, RUTH)
    refunded = []
    monkeypatch.setattr(
        "shop.payments.refund_payment",
        lambda intent, idempotency_key, amount=None: refunded.append(intent) or "re_1",
    )

    session = checkout_session(order.stripe_session_id, reference=order.reference)
    deliver(client, event("checkout.session.completed", session, event_id="evt_paid_late"))

    assert refunded == ["pi_test_123"]
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and order.email == ERASED_EMAIL
    assert "Ruth Buyer" not in json.dumps(PaymentEvent.objects.get().payload)


# Who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["Editors", "Shop staff"])
def test_only_shop_managers_may_look_up_export_or_erase(client, django_user_model, home, group):
    order = shipped_order()
    user = signed_in(client, django_user_model, group)
    if group == "Editors":
        user_model = django_user_model.objects.get(username="editors")
        user_model.user_permissions.add(Permission.objects.get(codename="access_admin"))

    home_page = user.get(reverse("wagtailadmin_home")).content.decode()
    responses = [
        user.get(LOOKUP),
        user.post(LOOKUP, {"email": RUTH}),
        user.post(EXPORT, {"email": RUTH}),
        user.post(ERASE, {"email": RUTH, "confirmed": "x"}),
        user.get(reverse("shop_buyer_data_requests:index")),
    ]

    assert "Buyer data" not in home_page and "Data requests" not in home_page
    assert all(
        (r.status_code, r["Location"]) == (302, reverse("wagtailadmin_home")) for r in responses
    )
    assert Order.objects.get(pk=order.pk).email == RUTH
    assert not BuyerDataRequest.objects.exists()


def test_erasure_needs_the_pages_csrf_token(django_user_model, home):
    order = shipped_order()
    user = django_user_model.objects.create_user("manager", password="pw")
    user.groups.add(Group.objects.get(name="Shop managers"))
    forger = Client(enforce_csrf_checks=True)
    forger.force_login(user)

    response = forger.post(ERASE, {"email": RUTH, "confirmed": "x"})

    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).email == RUTH


def test_shop_managers_find_buyer_data_in_the_shop_menu(manager):
    home_page = manager.get(reverse("wagtailadmin_home")).content.decode()

    assert LOOKUP in home_page and reverse("shop_buyer_data_requests:index") in home_page
    assert manager.get(LOOKUP).status_code == 200
    assert (
        Group.objects.get(name="Shop managers")
        .permissions.filter(codename="handle_buyer_data")
        .exists()
    )


def test_the_record_of_requests_is_listed_and_never_editable(manager):
    shipped_order()
    download(manager, RUTH)
    record = BuyerDataRequest.objects.get()

    listing = manager.get(reverse("shop_buyer_data_requests:index")).content.decode()
    inspect = manager.get(reverse("shop_buyer_data_requests:inspect", args=[record.pk]))

    assert "Export" in listing and "shop-managers" in listing
    assert inspect.status_code == 200 and "Exported orders: 1" in inspect.content.decode()
    for url in [
        reverse("shop_buyer_data_requests:add"),
        reverse("shop_buyer_data_requests:edit", args=[record.pk]),
        reverse("shop_buyer_data_requests:delete", args=[record.pk]),
    ]:
        assert manager.get(url).status_code == 302
        assert manager.post(url, {"outcome": "nothing"}).status_code == 302
    assert BuyerDataRequest.objects.get().outcome == record.outcome
    with pytest.raises(ValueError, match="never changed"):
        record.save()
