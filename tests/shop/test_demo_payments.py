"""`make run` with no Stripe key takes test payments from a local Stripe server
(bin/with-demo-stripe), and the shop says plainly when its payments are not real."""

import signal
import time
import urllib.error
import urllib.request

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from shop.models import Order
from tests.demo_payments import is_listening, start_demo_payments
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

TEST_MODE = "Test mode: no real payments."


def basket_label(client) -> str | None:
    label = BeautifulSoup(client.get(reverse("shop:basket")).content, "html.parser").select_one(
        ".test-mode"
    )
    return label.get_text(" ", strip=True) if label else None


@pytest.fixture
def basket(client, home):
    product = ProductFactory()
    client.post(
        reverse("shop:basket_add"),
        {"product": product.pk, "quantity": "1", "price": product.price},
    )
    return client


@pytest.mark.parametrize(
    ("secret_key", "api_base"),
    [("sk_test_quire", ""), ("rk_test_quire", ""), ("sk_live_but_local", "http://127.0.0.1:8420")],
)
def test_the_basket_says_payments_are_not_real_in_test_mode(basket, settings, secret_key, api_base):
    settings.STRIPE_SECRET_KEY = secret_key
    settings.STRIPE_API_BASE = api_base

    assert basket_label(basket).startswith(TEST_MODE)


def test_with_live_keys_the_basket_carries_no_test_label(basket, settings):
    settings.STRIPE_SECRET_KEY = "sk_live_quire"
    settings.STRIPE_API_BASE = ""

    assert basket_label(basket) is None


def test_without_a_key_the_basket_says_payments_are_not_set_up_and_no_test_label(basket):
    page = basket.get(reverse("shop:basket")).content.decode()

    assert "Payments are not set up on this site yet" in page
    assert basket_label(basket) is None


# bin/with-demo-stripe, as `make run` starts it --------------------------------------------


# Live-server tests flush the database; the serialized rollback puts back what Wagtail's
# migrations created (root page, locale), as the browser tests that may follow expect.
on_live_server = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def pay_on_local_page(pay_url: str) -> int:
    """Press "Pay" on the local Stripe server's page (its fields come filled in with a test
    card); the status of its answer, a 303 to the success page when paid."""
    request = urllib.request.Request(pay_url, data=b"method=card", method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirects)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as answer:
        return answer.code


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@on_live_server
def test_make_runs_stripe_server_takes_a_payment_confirmed_by_webhook(live_server, home, settings):
    """The order is marked paid by the webhook the script registered (the success page is
    never visited), so key, secret and webhook URL all reached the right places."""
    demo = start_demo_payments(live_server.url)
    try:
        demo.point_site_at_it(settings)
        assert demo.secret_key.startswith("sk_test_")
        assert demo.webhook_secret.startswith("whsec_")
        client = Client()
        product = ProductFactory(stock=5)
        client.post(
            reverse("shop:basket_add"),
            {"product": product.pk, "quantity": "2", "price": product.price},
        )
        assert basket_label(client).startswith(TEST_MODE)

        response = client.post(reverse("shop:checkout"), {"email": "newcomer@example.com"})
        assert response.url.startswith(demo.api_base + "/pay/")
        assert pay_on_local_page(response.url) == 303

        order = Order.objects.get()
        for _ in range(100):  # the webhook marks the event done just after the order is paid
            order.refresh_from_db()
            if order.is_paid and order.payment_events.exclude(outcome="").exists():
                break
            time.sleep(0.1)
        assert order.status == Order.Status.PAID
        assert order.payment_events.filter(type="checkout.session.completed").exists()
    finally:
        assert demo.stop_site() == 0
    assert not is_listening(demo.api_base)


@on_live_server
def test_the_stripe_server_stops_when_make_run_is_interrupted_terminated_or_killed(live_server):
    """Killed outright, the script cannot stop it: the server sees its stdin pipe close."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        demo = start_demo_payments(live_server.url)
        assert is_listening(demo.api_base)

        demo.process.send_signal(signum)

        demo.process.wait(20)
        for _ in range(50):
            if not is_listening(demo.api_base):
                break
            time.sleep(0.1)
        assert not is_listening(demo.api_base)
        demo.process.stdin.close()  # ends the stand-in server, which a SIGKILL leaves behind


@on_live_server
def test_with_a_stripe_key_make_run_talks_to_stripe_and_starts_no_local_server(live_server):
    demo = start_demo_payments(live_server.url, STRIPE_SECRET_KEY="sk_live_quire")

    assert demo.secret_key == "sk_live_quire"
    assert demo.api_base is None
    assert demo.webhook_secret is None
    assert demo.stop_site() == 0
