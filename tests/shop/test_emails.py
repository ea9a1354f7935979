"""The email registry (shop/emails.py): every kind is sent once and, when SMTP was down, sent
later by the sweep (`manage.py send_order_emails`); plain text is written as typed; links
point at the site's configured address; each pre-order confirmation says truthfully when the
buyer pays. Emails go to a real SMTP server on loopback."""

from datetime import date

import pytest
from django.core.management import call_command
from django.test import TestCase

from shop import emails, preorders
from shop.models import Order, PreOrder, Product, Refund
from tests.conftest import addressee
from tests.factories import PreOrderProductFactory, ProductFactory, make_order
from tests.factories import make_preorder_form_page as make_form_page
from tests.shop.test_preorder_release import path_of, pre_order_with_card
from tests.shop.test_preorder_release import release as release_now
from tests.shop.test_preorders import submit

pytestmark = pytest.mark.django_db


def sweep() -> None:
    call_command("send_order_emails", verbosity=0)


def subjects(inbox) -> list[str]:
    return [message["Subject"] for message in inbox.messages]


def plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def html(message) -> str:
    return message.get_body(("html",)).get_content()


@pytest.fixture
def book(home):
    return PreOrderProductFactory(
        title="Dirty Old Town", preorder_cap=100, preorder_charge_mode="on_release"
    )


@pytest.fixture
def form_page(home, book):
    return make_form_page(home)


def reserved_book(home, title="Reserve me"):
    """A reserve-mode campaign (no Stripe needed) and its own form page."""
    product = PreOrderProductFactory(title=title, preorder_charge_mode="reserve")
    return product, make_form_page(home, slug="reserve")


# The sweep sends every kind SMTP missed, once --------------------------------------------


def test_the_sweep_sends_a_card_saved_confirmation_missed_while_smtp_was_down(
    client, form_page, book, fake_stripe, smtp
):
    smtp.down()
    preorder = pre_order_with_card(client, form_page, fake_stripe)
    assert smtp.inbox.messages == []

    smtp.up()
    sweep()
    sweep()

    assert smtp.inbox.recipients() == ["ruth@example.com", "shop@quire.localhost"]
    preorder.refresh_from_db()
    assert preorder.confirmation_sent_at is not None
    assert preorder.staff_notified_at is not None


def test_the_sweep_sends_the_paid_on_release_email_missed_while_smtp_was_down(
    client, form_page, book, fake_stripe, smtp
):
    preorder = pre_order_with_card(client, form_page, fake_stripe)
    smtp.down()
    release_now(book)
    preorder.refresh_from_db()
    assert preorder.status == PreOrder.Status.PAID

    smtp.up()
    sweep()
    sweep()

    paid = f"Dirty Old Town is out: your pre-order {preorder.reference} is paid"
    assert subjects(smtp.inbox).count(paid) == 1
    assert len(smtp.inbox.messages) == 3  # the confirmation and staff note went before


def test_the_sweep_sends_the_payment_link_missed_while_smtp_was_down(client, home, smtp):
    product, page = reserved_book(home)
    submit(client, page)
    smtp.down()
    release_now(product)
    preorder = PreOrder.objects.get()
    assert preorder.status == PreOrder.Status.PAYMENT_NEEDED

    smtp.up()
    sweep()
    sweep()

    needed = [m for m in smtp.inbox.messages if "please pay" in m["Subject"]]
    assert len(needed) == 1
    assert "http://testserver" + preorder.get_absolute_url() in plain(needed[0])


def test_the_sweep_sends_the_cancellation_missed_while_smtp_was_down(client, home, smtp):
    product, page = reserved_book(home)
    submit(client, page)
    preorder = PreOrder.objects.get()
    smtp.down()
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(preorder.get_absolute_url() + "cancel/")
    preorder.refresh_from_db()
    assert preorder.status == PreOrder.Status.CANCELLED

    smtp.up()
    sweep()
    sweep()

    cancelled = [m for m in smtp.inbox.messages if m["Subject"].endswith("is cancelled")]
    assert len(cancelled) == 1
    assert "Nothing was charged." in plain(cancelled[0])


def test_the_sweep_tells_waiting_buyers_a_new_release_date_missed_while_smtp_was_down(
    client, home, smtp
):
    product, page = reserved_book(home)
    submit(client, page)
    smtp.down()
    with TestCase.captureOnCommitCallbacks(execute=True):
        preorders.change_release_date(product, date(2027, 5, 1))

    smtp.up()
    sweep()
    sweep()

    preorder = PreOrder.objects.get()
    told = f"New release date for Reserve me: 1 May 2027 (pre-order {preorder.reference})"
    assert subjects(smtp.inbox).count(told) == 1
    assert preorder.release_date_notified_for == date(2027, 5, 1)


def test_a_buyer_who_pre_orders_after_the_date_moved_is_not_told_it_moved(client, home, smtp):
    product, page = reserved_book(home)
    with TestCase.captureOnCommitCallbacks(execute=True):
        preorders.change_release_date(product, date(2027, 5, 1))

    submit(client, page)
    sweep()

    assert not any(s.startswith("New release date") for s in subjects(smtp.inbox))


def test_a_pre_order_that_never_reached_stripe_gets_no_cancellation(
    client, home, settings, smtp_inbox
):
    """Stripe down while the form was sent: the buyer read why on the form, and there is no
    pre-order for an email to call cancelled."""
    PreOrderProductFactory(title="Charged now", preorder_charge_mode="charge_now")
    page = make_form_page(home, slug="charge-now")
    settings.STRIPE_SECRET_KEY = "sk_test_quire"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    submit(client, page)
    assert PreOrder.objects.get().status == PreOrder.Status.CANCELLED

    sweep()

    assert smtp_inbox.messages == []


def test_the_sweep_sends_each_order_email_missed_while_smtp_was_down(home, smtp, commit):
    from shop import orders

    order = make_order([(ProductFactory(price=600, stock=3), 1)], status=Order.Status.PAID)
    smtp.down()
    commit(orders.change_status, order.pk, Order.Status.SHIPPED, "RM1GB")
    smtp.up()

    sweep()
    sweep()

    assert sorted(subjects(smtp.inbox)) == sorted(
        [
            f"Your order {order.reference} is confirmed",
            f"New order {order.reference}: £8.95",
            f"Your order {order.reference} is on its way",
        ]
    )


def test_every_kind_in_the_registry_is_swept_once_it_is_due(home, smtp_inbox):
    """Each declared kind has a row due for it; one sweep sends exactly one of each, and a
    second sends nothing: no kind can be added without the sweep knowing it."""
    order = make_order([(ProductFactory(price=600, stock=3), 1)], status=Order.Status.SHIPPED)
    product = PreOrderProductFactory(release_date=date(2027, 5, 1))
    due_for = {}
    for kind, email in emails.EMAILS.items():
        if email.model is Order and kind in ORDER_STATES_DUE_FOR:
            due_for[kind] = make_order(
                [(ProductFactory(price=600), 1)],
                session_id=f"cs_{kind}",
                email=f"{kind}@example.com",
                **ORDER_STATES_DUE_FOR[kind],
            )
            continue
        if email.model is Order:
            due_for[kind] = order
            continue
        if email.model is Refund:
            due_for[kind] = refund_of(order, stripe_refund_id="re_1")
            continue
        preorder = make_preorder(product, reference=f"P-{len(due_for):08d}")
        for status, mode, extra in STATES_DUE_FOR[kind]:
            PreOrder.objects.filter(pk=preorder.pk).update(status=status, charge_mode=mode, **extra)
        due_for[kind] = preorder

    for kind, email in emails.EMAILS.items():
        assert email.model.objects.filter(email.due, pk=due_for[kind].pk).exists(), kind
    sweep()
    count = len(smtp_inbox.messages)
    sweep()

    assert count >= len(emails.EMAILS)
    assert len(smtp_inbox.messages) == count
    for kind, email in emails.EMAILS.items():
        assert not email.model.objects.filter(email.due, pk=due_for[kind].pk).exists(), kind


ORDER_STATES_DUE_FOR = {  # the others are due for a shipped order
    "order_processing": {"status": "processing", "processing_at": "2026-11-02T10:00Z"},
    "order_paid_after_delay": {"status": "paid", "processing_at": "2026-11-02T10:00Z"},
    "order_cancelled": {"status": "cancelled", "cancelled_by_staff": True},
    "order_ready_to_collect": {"status": "ready_to_collect", "collect_from": "12 Chapel St"},
}
STATES_DUE_FOR = {
    "preorder_confirmation": [("reserved", "reserve", {})],
    "preorder_card_saved": [("card_saved", "on_release", {"stripe_customer_id": "cus_1"})],
    "staff_new_preorder": [("paid", "charge_now", {"stripe_session_id": "cs_1"})],
    "preorder_paid_on_release": [("paid", "on_release", {"stripe_customer_id": "cus_2"})],
    "preorder_payment_needed": [("payment_needed", "reserve", {})],
    "preorder_cancelled": [("refunded", "charge_now", {"stripe_session_id": "cs_2"})],
    "preorder_release_date_changed": [("reserved", "reserve", {})],
    "preorder_shipped": [("shipped", "charge_now", {"stripe_session_id": "cs_3"})],
}


def refund_of(order: Order, **fields) -> Refund:
    values = {"amount": 100, "reason": "Damaged in the post", "idempotency_key": "refund-1"}
    return Refund.objects.create(order=order, **(values | fields))


def make_preorder(product: Product, **fields) -> PreOrder:
    values = {
        "form_token": fields.get("reference", "t") + "-token",
        "product": product,
        "quantity": 1,
        "unit_price": product.price,
        "shipping": 295,
        "charge_mode": product.preorder_charge_mode,
        "status": PreOrder.Status.RESERVED,
        "name": "Ruth Reader",
        "email": "ruth@example.com",
        "address_line1": "1 Canal Street",
        "city": "Salford",
        "postcode": "M5 4WT",
        "country": "GB",
        **fields,
    }
    return PreOrder.objects.create(**values)


# Plain text as typed, HTML escaped -------------------------------------------------------


def test_plain_text_emails_are_not_html_escaped_and_html_ones_are(client, home, smtp_inbox):
    product = PreOrderProductFactory(
        title="Fish & Chips à la carte", preorder_charge_mode="reserve"
    )
    page = make_form_page(home, slug="reserve")

    submit(client, page, name="Jane O'Reader", note="Ring twice & wait")

    buyer, staff = sorted(smtp_inbox.messages, key=addressee)
    assert buyer["Subject"].strip() == (  # a long encoded subject folds after "Subject:"
        f"Your pre-order {PreOrder.objects.get().reference} of Fish & Chips à la carte"
    )
    for message in (buyer, staff):
        text = plain(message)
        assert "&#x27;" not in text and "&amp;" not in text
        assert "Fish & Chips à la carte" in text
    assert "Jane O'Reader" in plain(buyer)
    assert "Ring twice & wait" in plain(staff)
    assert "Jane O'Reader" in html(buyer) and "&#x27;" not in html(buyer)
    assert "Fish &amp; Chips à la carte" in html(buyer)
    assert product.title not in html(buyer)


def test_no_kind_of_email_escapes_its_plain_text(home):
    """Every template in the registry, for an order and a pre-order full of apostrophes,
    ampersands and accents."""
    tricky = "O'Reader & Søn <Ltd>"
    product = PreOrderProductFactory(title=f"Fish & Chips: {tricky}", release_date=date(2027, 5, 1))
    order = make_order(
        [(ProductFactory(title=f"Tote & bag {tricky}", price=600), 1)],
        status=Order.Status.SHIPPED,
        shipping_name=f"Jane {tricky}",
        shipping_address={"line1": "1 Canal St & Co", "city": "Salford"},
        tracking_number="RM&1",
    )
    preorder = make_preorder(
        product,
        name=f"Jane {tricky}",
        note=f"Leave it with {tricky}",
        payment_problem="Your card's bank said no & asked again",
        status=PreOrder.Status.REFUNDED,
    )

    rows = {Order: order, PreOrder: preorder, Refund: refund_of(order, reason=f"Torn {tricky}")}
    for kind, email in emails.EMAILS.items():
        message = emails.message(kind, rows[email.model])
        text, markup = message.body, message.alternatives[0][0]
        for escaped in ("&#x27;", "&amp;", "&lt;", "&gt;", "&quot;"):
            assert escaped not in text, (kind, escaped)
        if "O&#x27;Reader &amp; Søn &lt;Ltd&gt;" in markup:
            assert "O'Reader & Søn <Ltd>" in text, kind
        if "RM&amp;1" in markup:
            assert "RM&1" in text, kind


# Links on the site's own address ---------------------------------------------------------


def test_email_links_use_the_configured_site_address(client, home, settings, smtp_inbox):
    settings.QUIRE_SITE_URL = "https://shop.quire.example:8443"
    product, page = reserved_book(home)

    submit(client, page)

    preorder = PreOrder.objects.get()
    buyer, staff = sorted(smtp_inbox.messages, key=addressee)
    link = "https://shop.quire.example:8443" + preorder.get_absolute_url()
    assert link in plain(buyer) and f'href="{link}"' in html(buyer)
    assert "https://shop.quire.example:8443/admin/" in plain(staff)
    for message in (buyer, staff):
        assert "127.0.0.1:8000" not in plain(message) + html(message)
        assert "testserver" not in plain(message) + html(message)


# Each charge mode's confirmation says what happens next ----------------------------------


def confirmation_for(inbox, email="ruth@example.com") -> str:
    message = next(m for m in inbox.messages if addressee(m) == email)
    return " ".join(plain(message).split()), " ".join(html(message).split())


def test_a_charge_now_confirmation_says_it_is_paid(client, home, fake_stripe, smtp_inbox):
    PreOrderProductFactory(title="Paid book", preorder_charge_mode="charge_now")
    page = make_form_page(home, slug="charge-now")
    submit(client, page)
    preorder = PreOrder.objects.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.get(path_of(fake_stripe.pay(preorder.stripe_session_id)))

    for body in confirmation_for(smtp_inbox):
        assert f"You have paid {preorder.total_display} in full." in body
        assert "link to pay" not in body and "charged" not in body


def test_a_card_saved_confirmation_says_the_card_is_charged_on_release_day(
    client, form_page, book, fake_stripe, smtp_inbox
):
    Product.objects.filter(pk=book.pk).update(release_date=date(2027, 3, 19))
    preorder = pre_order_with_card(client, form_page, fake_stripe)

    for body in confirmation_for(smtp_inbox):
        assert (
            f"Your card is saved with Stripe now and charged {preorder.total_display} on release "
            "(planned for 19 March 2027). Nothing is charged before then"
        ) in body
        assert "We'll email you on release day once your card has been charged." in body
        assert "link to pay" not in body and "You have paid" not in body


def test_a_reserved_confirmation_says_a_payment_link_comes_on_release(client, home, smtp_inbox):
    product, page = reserved_book(home)
    Product.objects.filter(pk=product.pk).update(release_date=date(2027, 3, 19))
    submit(client, page)
    preorder = PreOrder.objects.get()

    for body in confirmation_for(smtp_inbox):
        assert (
            "Nothing is charged now and no card is needed. On release (planned for 19 March "
            f"2027) we email you a link to pay {preorder.total_display}."
        ) in body
        assert "You have paid" not in body and "card is saved" not in body


# Queueing --------------------------------------------------------------------------------


def test_queueing_an_unknown_kind_fails_at_the_call(home):
    order = make_order([(ProductFactory(), 1)])

    with pytest.raises(KeyError):
        emails.queue("order_confirmation", order)
    with pytest.raises(TypeError):
        emails.queue("preorder_shipped", order)


def test_an_email_queued_for_a_transaction_that_rolls_back_is_never_sent(home, smtp_inbox):
    from django.db import transaction

    order = make_order([(ProductFactory(), 1)], status=Order.Status.PAID)

    with TestCase.captureOnCommitCallbacks(execute=True):
        try:
            with transaction.atomic():
                emails.queue("order_confirmed", order)
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass

    assert smtp_inbox.messages == []
    assert Order.objects.get().confirmation_sent_at is None


# Once, however many senders race --------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_senders_racing_for_the_same_emails_send_each_once(smtp_inbox):
    """A retried task, a second worker and the sweep at the same moment: the row lock makes
    the others wait and then find the email sent. Fails if `send` stops locking the row."""
    from tests.shop.test_concurrency import race_collecting

    product = PreOrderProductFactory(release_date=date(2027, 5, 1))
    preorder = make_preorder(product, reference="P-RACE0001")
    order = make_order([(ProductFactory(price=600), 1)], status=Order.Status.PAID)
    kinds = [("order_confirmed", order.pk), ("preorder_release_date_changed", preorder.pk)]

    results, _ = race_collecting(
        12, lambda n: emails.send(*kinds[n % 2]) if n < 10 else sweep(), Exception
    )

    assert len(results) == 12
    assert sorted(subjects(smtp_inbox)) == sorted(
        [
            f"Your order {order.reference} is confirmed",
            f"New order {order.reference}: £8.95",
            "Your pre-order P-RACE0001 of " + product.title,
            f"New pre-order P-RACE0001: 1 × {product.title}",
            f"New release date for {product.title}: 1 May 2027 (pre-order P-RACE0001)",
        ]
    )
