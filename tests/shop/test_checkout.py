"""Checkout from basket to paid order, against a real local Stripe-compatible server, with
webhooks delivered over HTTP to a live server and emails to a real SMTP server."""

from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.test import Client, TestCase
from django.urls import reverse

from shop.models import Order, Product
from tests.factories import ProductFactory
from tests.stripe_fake import FakeStripeError

pytestmark = pytest.mark.django_db


def add(client, product, quantity=1):
    """Add to the basket and read the basket page, as a buyer would (using up its message)."""
    client.post(
        reverse("shop:basket_add"),
        {"product": product.pk, "quantity": str(quantity), "price": product.price},
        follow=True,
    )


def messages_on(response) -> list[str]:
    return [m.text for m in BeautifulSoup(response.content, "html.parser").select(".message")]


def start_checkout(client, email="buyer@example.com"):
    return client.post(reverse("shop:checkout"), {"email": email})


def session_id_from(redirect_url: str) -> str:
    return urlsplit(redirect_url).path.rstrip("/").rsplit("/", 1)[-1]


def get_path_of(client, url: str):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path)


# Without Stripe --------------------------------------------------------------------------


def test_without_a_stripe_key_checkout_explains_and_keeps_the_basket(client, home):
    product = ProductFactory(stock=5)
    add(client, product, 2)

    basket_page = client.get(reverse("shop:basket")).content.decode()
    response = client.post(reverse("shop:checkout"), {"email": "a@example.com"}, follow=True)

    assert "Payments are not set up on this site yet" in basket_page
    assert "Payments are not set up on this site yet" in messages_on(response)[0]
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=product.pk).stock == 5
    quantity = BeautifulSoup(response.content, "html.parser").select_one(".quantity-input")
    assert quantity["value"] == "2"


@pytest.mark.parametrize("email", ["", "not-an-email", "a@", "x" * 300])
def test_a_bad_email_is_refused_and_kept_for_correction(client, home, fake_stripe, email):
    add(client, ProductFactory())

    response = client.post(reverse("shop:checkout"), {"email": email}, follow=True)

    assert messages_on(response) == ["Please enter a valid email address for your receipt."]
    assert Order.objects.count() == 0


def test_an_empty_basket_cannot_be_checked_out(client, home, fake_stripe):
    response = client.post(reverse("shop:checkout"), {"email": "a@example.com"}, follow=True)

    assert messages_on(response) == ["Your basket is empty."]


def test_stripe_unreachable_leaves_nothing_behind(client, home, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_quire"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    product = ProductFactory(stock=5)
    add(client, product, 2)

    response = start_checkout(client)

    assert response["Location"] == reverse("shop:basket")
    page = client.get(reverse("shop:basket"))
    assert "could not reach the payment service" in messages_on(page)[0]
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=product.pk).stock == 5


def test_basket_items_that_sold_out_block_checkout(client, home, fake_stripe):
    product = ProductFactory(stock=5)
    add(client, product, 2)
    Product.objects.filter(pk=product.pk).update(stock=1)

    response = start_checkout(client)

    assert response["Location"] == reverse("shop:basket")
    assert Order.objects.count() == 0


# With the local Stripe server ------------------------------------------------------------


def test_checkout_creates_a_pending_order_priced_from_the_database(client, home, fake_stripe):
    product = ProductFactory(title="Tote", price=1200, stock=5, shipping_class="large")
    add(client, product, 2)

    response = start_checkout(client)

    order = Order.objects.get()
    assert response["Location"] == fake_stripe.pay_url(order.stripe_session_id)
    assert order.status == Order.Status.PENDING
    assert (order.subtotal, order.shipping, order.total) == (2400, 495, 2895)
    assert [(line.title, line.unit_price, line.quantity) for line in order.lines.all()] == [
        ("Tote", 1200, 2)
    ]
    assert Product.objects.get(pk=product.pk).stock == 3  # reserved


def test_paying_confirms_the_order_through_the_success_page(client, home, fake_stripe, smtp_inbox):
    product = ProductFactory(title="Tote", price=1200, stock=5)
    add(client, product, 2)
    session_id = session_id_from(start_checkout(client)["Location"])

    success_url = fake_stripe.pay(session_id)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = get_path_of(client, success_url)

    order = Order.objects.get()
    assert response["Location"] == order.get_absolute_url()
    assert order.status == Order.Status.PAID
    assert order.shipping_address["postal_code"]
    page = client.get(order.get_absolute_url()).content.decode()
    assert "your payment is confirmed" in page
    assert smtp_inbox.recipients() == ["buyer@example.com", "shop@quire.localhost"]
    assert client.get(reverse("shop:basket_count")).json()["count"] == 0

    get_path_of(client, success_url)  # reloading the success page sends nothing more
    assert len(smtp_inbox.messages) == 2


def test_a_declined_card_keeps_the_order_unpaid_and_cancel_returns_to_the_basket(
    client, home, fake_stripe
):
    product = ProductFactory(stock=5)
    add(client, product, 2)
    session_id = session_id_from(start_checkout(client)["Location"])

    with pytest.raises(FakeStripeError):
        fake_stripe.pay(session_id, card_number="4000000000000002")
    order = Order.objects.get()
    assert order.status == Order.Status.PENDING

    response = client.get(
        reverse("shop:checkout_cancel", args=[order.reference, order.access_token]), follow=True
    )

    assert messages_on(response) == ["Checkout cancelled. Your basket is just as you left it."]
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert Product.objects.get(pk=product.pk).stock == 5
    assert client.get(reverse("shop:basket_count")).json()["count"] == 2
    with pytest.raises(FakeStripeError):  # the session was closed at Stripe too
        fake_stripe.pay(session_id)


def test_a_wrong_order_token_is_a_404(client, home, fake_stripe):
    add(client, ProductFactory())
    start_checkout(client)
    order = Order.objects.get()

    assert client.get(reverse("shop:order", args=[order.reference, "guess"])).status_code == 404
    cancel = reverse("shop:checkout_cancel", args=[order.reference, "guess"])
    assert client.get(cancel).status_code == 404


def test_the_success_page_needs_a_known_session(client, home):
    assert client.get(reverse("shop:checkout_success")).status_code == 404
    assert client.get(reverse("shop:checkout_success") + "?session_id=cs_nope").status_code == 404


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestWebhooksOverHttp:
    """Stripe's webhooks arrive over HTTP at a live server, signed, as in production."""

    @pytest.fixture(autouse=True)
    def webhook(self, fake_stripe, live_server, settings):
        fake_stripe.register_webhook(
            live_server.url + reverse("shop:stripe_webhook"), settings.STRIPE_WEBHOOK_SECRET
        )

    def test_paid_order_is_confirmed_by_the_webhook_alone(
        self, client, home, fake_stripe, smtp_inbox
    ):
        product = ProductFactory(stock=5)
        add(client, product, 1)
        session_id = session_id_from(start_checkout(client)["Location"])

        fake_stripe.pay(session_id)  # the buyer never comes back to the success page
        deliveries = fake_stripe.wait_for_deliveries()

        assert ("checkout.session.completed", 200) in deliveries
        order = Order.objects.get()
        assert order.status == Order.Status.PAID
        assert order.payment_events.get().type == "checkout.session.completed"
        assert smtp_inbox.recipients() == ["buyer@example.com", "shop@quire.localhost"]

    def test_bank_transfer_is_processing_until_it_clears(
        self, client, home, fake_stripe, smtp_inbox
    ):
        add(client, ProductFactory(stock=5), 1)
        session_id = session_id_from(start_checkout(client)["Location"])

        get_path_of(client, fake_stripe.pay(session_id, method="bank_transfer"))
        fake_stripe.wait_for_deliveries()
        order = Order.objects.get()
        assert order.status == Order.Status.PROCESSING
        assert [m["Subject"] for m in smtp_inbox.messages] == [
            f"We have your order {order.reference}: payment being confirmed"
        ]

        fake_stripe.settle_async_payment(session_id, succeeded=True)
        fake_stripe.wait_for_deliveries()

        assert Order.objects.get().status == Order.Status.PAID
        assert sorted(m["Subject"] for m in smtp_inbox.messages[1:]) == [
            f"New order {order.reference}: £{order.total / 100:.2f}",
            f"Your payment has cleared: order {order.reference} is confirmed",
        ]

    def test_an_expired_session_gives_the_stock_back(self, client, home, fake_stripe):
        product = ProductFactory(stock=5)
        add(client, product, 3)
        start_checkout(client)
        order = Order.objects.get()
        assert Product.objects.get(pk=product.pk).stock == 2

        from shop import payments

        payments.expire_checkout_session(order.stripe_session_id)
        deliveries = fake_stripe.wait_for_deliveries()

        assert ("checkout.session.expired", 200) in deliveries
        order.refresh_from_db()
        assert order.status == Order.Status.EXPIRED
        assert Product.objects.get(pk=product.pk).stock == 5


def test_lost_webhooks_are_made_up_for_by_settling_stale_checkouts(client, home, fake_stripe):
    """No webhook is registered here: the sweep asks Stripe directly."""
    from django.core.management import call_command

    from shop import payments

    paid_product, expired_product = ProductFactory(stock=5), ProductFactory(stock=5)
    add(client, paid_product, 1)
    paid_session = session_id_from(start_checkout(client)["Location"])
    fake_stripe.pay(paid_session)
    other_buyer = Client()
    add(other_buyer, expired_product, 2)
    expired_session = session_id_from(start_checkout(other_buyer)["Location"])
    payments.expire_checkout_session(expired_session)

    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("settle_checkouts", older_than=0, verbosity=0)

    statuses = dict(Order.objects.values_list("stripe_session_id", "status"))
    assert statuses == {paid_session: "paid", expired_session: "expired"}
    assert Product.objects.get(pk=expired_product.pk).stock == 5


def test_the_checkout_session_closes_after_the_configured_time(client, home, fake_stripe, settings):
    import time

    from shop import payments

    settings.QUIRE_CHECKOUT_MINUTES = 45
    add(client, ProductFactory(), 1)
    session_id = session_id_from(start_checkout(client)["Location"])

    session = payments._client().v1.checkout.sessions.retrieve(session_id)

    assert abs(session.expires_at - (time.time() + 46 * 60)) < 30  # a minute of margin for Stripe


def test_the_success_page_with_stripe_down_shows_the_order_as_being_confirmed(
    client, home, fake_stripe, settings
):
    add(client, ProductFactory(stock=5), 1)
    session_id = session_id_from(start_checkout(client)["Location"])
    success_url = fake_stripe.pay(session_id)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    response = get_path_of(client, success_url)

    order = Order.objects.get()
    assert response["Location"] == order.get_absolute_url()
    assert order.status == Order.Status.PENDING  # the webhook or the sweep will confirm it
    assert "We are confirming your payment" in client.get(order.get_absolute_url()).content.decode()


# Going back from Stripe and paying again ---------------------------------------------------


def test_a_buyer_back_from_stripe_sees_the_last_unit_as_theirs(client, home, fake_stripe):
    product = ProductFactory(stock=1)
    add(client, product, 1)
    start_checkout(client)  # the last unit is held for this checkout

    page = client.get(reverse("shop:basket")).content.decode()

    assert "Sold out" not in page
    assert Product.objects.get(pk=product.pk).stock == 0  # still held from everyone else


def test_paying_again_after_going_back_replaces_the_open_checkout(client, home, fake_stripe):
    from shop import payments

    product = ProductFactory(stock=1)
    add(client, product, 1)
    first = session_id_from(start_checkout(client)["Location"])

    second = session_id_from(start_checkout(client)["Location"])

    assert second != first
    assert (
        payments.retrieve_checkout_session(first).outcome == payments.Outcome.EXPIRED
    )  # can't be paid now
    statuses = dict(Order.objects.values_list("stripe_session_id", "status"))
    assert statuses == {first: "cancelled", second: "pending"}
    assert Product.objects.get(pk=product.pk).stock == 0  # given back, then taken again
    with pytest.raises(FakeStripeError):
        fake_stripe.pay(first)
    fake_stripe.pay(second)


def test_many_tries_from_one_basket_hold_its_stock_once(client, home, fake_stripe):
    product = ProductFactory(stock=10, per_order_limit=10)
    add(client, product, 4)

    for _ in range(5):
        start_checkout(client)

    assert Order.objects.filter(status=Order.Status.PENDING).count() == 1
    assert Product.objects.get(pk=product.pk).stock == 6


def test_an_earlier_checkout_paid_meanwhile_is_recorded_not_started_again(
    client, home, fake_stripe
):
    product = ProductFactory(stock=5)
    add(client, product, 1)
    first = session_id_from(start_checkout(client)["Location"])
    fake_stripe.pay(first)  # in another tab; its webhook has not arrived

    response = start_checkout(client)

    order = Order.objects.get(stripe_session_id=first)
    assert order.status == Order.Status.PAID
    assert response["Location"] == reverse("shop:basket")
    message = messages_on(client.get(reverse("shop:basket")))[0]
    assert f"Your payment for order {order.reference} has just gone through" in message
    assert Order.objects.count() == 1


def test_an_earlier_checkout_stripe_cannot_close_is_never_cancelled(
    client, home, fake_stripe, settings
):
    product = ProductFactory(stock=5)
    add(client, product, 1)
    start_checkout(client)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # Stripe unreachable from now on

    response = start_checkout(client)

    assert response["Location"] == reverse("shop:basket")
    assert "could not reach the payment service" in messages_on(client.get(response["Location"]))[0]
    assert list(Order.objects.values_list("status", flat=True)) == [Order.Status.PENDING]
    assert Product.objects.get(pk=product.pk).stock == 4


@pytest.fixture
def hung_stripe(settings):
    """A server on loopback that accepts connections and never answers, as a hung Stripe."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    settings.STRIPE_SECRET_KEY = "sk_test_quire"
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings.STRIPE_TIMEOUT_SECONDS = 1
    settings.STRIPE_MAX_NETWORK_RETRIES = 1
    yield listener
    listener.close()


def connections_to(listener) -> int:
    """How many times the shop connected to the hung server (each waits in its backlog)."""
    listener.setblocking(False)
    made = 0
    while True:
        try:
            listener.accept()[0].close()
        except BlockingIOError:
            return made
        made += 1


def test_a_hung_stripe_fails_the_checkout_and_leaves_no_order_or_stock_taken(
    client, home, hung_stripe
):
    product = ProductFactory(stock=2)
    add(client, product, 2)

    response = start_checkout(client)

    assert response.status_code == 302 and response["Location"] == reverse("shop:basket")
    assert (
        "We could not reach the payment service" in messages_on(client.get(response["Location"]))[0]
    )
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=product.pk).stock == 2


def test_the_system_check_refuses_a_stripe_budget_longer_than_a_worker_may_live(settings):
    from shop.checks import stripe_fits_in_a_worker

    settings.QUIRE_WORKER_TIMEOUT_SECONDS = 30
    settings.STRIPE_TIMEOUT_SECONDS = 20
    settings.STRIPE_MAX_NETWORK_RETRIES = 2
    assert [error.id for error in stripe_fits_in_a_worker(None)] == ["shop.E001"]

    settings.QUIRE_WORKER_TIMEOUT_SECONDS = 60
    settings.STRIPE_TIMEOUT_SECONDS = 8
    settings.STRIPE_MAX_NETWORK_RETRIES = 1
    assert stripe_fits_in_a_worker(None) == []


def test_the_return_page_asks_a_hung_stripe_once_briefly_and_says_it_is_confirming(
    client, home, hung_stripe, settings
):
    """A buyer back from Stripe waits on one short question, not on checkout's full budget of
    tries: the webhook confirms the order later, and the page refreshes until it has."""
    from shop.models import Basket
    from tests.factories import make_order

    settings.STRIPE_TIMEOUT_SECONDS = 5  # what a checkout start may wait per try
    settings.STRIPE_QUICK_TIMEOUT_SECONDS = 0.5
    product = ProductFactory(stock=3)
    add(client, product, 1)  # the buyer's basket, which the order was checked out from
    order = make_order([(product, 1)], session_id="cs_test_hung", basket=Basket.objects.get())

    response = client.get(reverse("shop:checkout_success") + "?session_id=cs_test_hung")
    page = client.get(response["Location"]).content.decode()

    assert response["Location"] == order.get_absolute_url()
    assert connections_to(hung_stripe) == 1  # asked once, without a retry
    assert "We are confirming your payment with Stripe" in page
    assert '<meta http-equiv="refresh" content="5">' in page
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


def test_the_return_address_sends_only_the_buyers_browser_to_the_order(client, home, fake_stripe):
    """Stripe's return URL carries the session id (browser history, logs): anyone else who
    opens it is told the link is in the buyer's email."""
    add(client, ProductFactory(stock=5), 1)
    session_id = session_id_from(start_checkout(client)["Location"])
    return_url = fake_stripe.pay(session_id)
    order = Order.objects.get()

    buyers_browser = get_path_of(client, return_url)
    someone_else = get_path_of(Client(), return_url)

    assert buyers_browser["Location"] == order.get_absolute_url()
    page = someone_else.content.decode()
    assert someone_else.status_code == 200
    assert "We have emailed the link to this order" in page
    assert order.access_token not in page and order.reference not in page
