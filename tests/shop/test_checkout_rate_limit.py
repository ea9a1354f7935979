"""Starting checkout takes stock for half an hour, so one visitor (a session, or many sessions
from one address) may start only so many checkouts in a window; a refusal loses nothing."""

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from shop.models import BasketLine, Order, Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

REFUSAL = (
    "Checkout has been started too many times from here in the last 60 minutes. "
    "Your basket is kept just as it is; please try again later."
)


def add(client, product, quantity=1):
    client.post(
        reverse("shop:basket_add"),
        {"product": product.pk, "quantity": str(quantity), "price": product.price},
        follow=True,
    )


def start_checkout(client, email="buyer@example.com"):
    return client.post(reverse("shop:checkout"), {"email": email}, follow=True)


def messages_on(response) -> list[str]:
    return [m.text for m in BeautifulSoup(response.content, "html.parser").select(".message")]


def paid_at_stripe(response) -> bool:
    return "/pay/" in response.redirect_chain[-1][0]


@pytest.fixture
def tote(home):
    return ProductFactory(title="Tote bag", stock=40)


def test_a_session_over_its_checkout_limit_goes_back_to_the_basket_with_nothing_taken(
    client, tote, fake_stripe, settings
):
    settings.QUIRE_CHECKOUT_LIMIT_PER_SESSION = (3, 3600)
    add(client, tote, 4)
    for _ in range(3):
        assert paid_at_stripe(start_checkout(client))
    open_checkout = Order.objects.get(status=Order.Status.PENDING)
    orders_before = Order.objects.count()

    response = start_checkout(client, "second-try@example.com")

    assert response.redirect_chain[-1][0] == reverse("shop:basket")
    assert messages_on(response) == [REFUSAL]
    assert Order.objects.count() == orders_before
    assert Order.objects.get(status=Order.Status.PENDING) == open_checkout
    assert Product.objects.get(pk=tote.pk).stock == 36  # only the open checkout's four
    assert list(BasketLine.objects.values_list("product_id", "quantity")) == [(tote.pk, 4)]
    email = BeautifulSoup(response.content, "html.parser").select_one("#checkout-email")
    assert email["value"] == "second-try@example.com"


def test_another_visitor_can_still_check_out_when_one_session_is_refused(
    client, tote, fake_stripe, settings
):
    settings.QUIRE_CHECKOUT_LIMIT_PER_SESSION = (1, 3600)
    add(client, tote)
    assert paid_at_stripe(start_checkout(client))
    assert messages_on(start_checkout(client)) == [REFUSAL]
    other = Client(REMOTE_ADDR="198.51.100.7")
    add(other, tote)

    assert paid_at_stripe(start_checkout(other))


def test_many_sessions_from_one_address_are_limited_together(tote, fake_stripe, settings):
    """Dropping the cookie gives a new session, not a fresh allowance."""
    settings.QUIRE_CHECKOUT_LIMIT_PER_IP = (2, 3600)
    for _ in range(2):
        visitor = Client(REMOTE_ADDR="203.0.113.5")
        add(visitor, tote)
        assert paid_at_stripe(start_checkout(visitor))
    held = Product.objects.get(pk=tote.pk).stock
    orders_before = Order.objects.count()
    third = Client(REMOTE_ADDR="203.0.113.5")
    add(third, tote)

    response = start_checkout(third)

    assert messages_on(response) == [REFUSAL]
    assert Order.objects.count() == orders_before
    assert Product.objects.get(pk=tote.pk).stock == held
    elsewhere = Client(REMOTE_ADDR="192.0.2.44")
    add(elsewhere, tote)
    assert paid_at_stripe(start_checkout(elsewhere))


def test_the_limits_have_defaults_that_allow_going_back_and_paying_again(settings):
    """A buyer who goes back from Stripe's page a few times is never the one refused."""
    assert settings.QUIRE_CHECKOUT_LIMIT_PER_SESSION == (10, 3600)
    assert settings.QUIRE_CHECKOUT_LIMIT_PER_IP == (30, 3600)


# Behind a reverse proxy ----------------------------------------------------------------------


def test_behind_a_proxy_visitors_are_told_apart_by_the_address_it_forwards(
    tote, fake_stripe, settings
):
    """Every request comes from the proxy's address; without this the per-IP limit would be
    one allowance for the whole site."""
    settings.QUIRE_TRUSTED_PROXY_COUNT = 1
    settings.QUIRE_CHECKOUT_LIMIT_PER_IP = (1, 3600)
    first = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")
    add(first, tote)
    assert paid_at_stripe(start_checkout(first))
    again = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")
    add(again, tote)
    assert messages_on(start_checkout(again)) == [REFUSAL]

    other = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    add(other, tote)

    assert paid_at_stripe(start_checkout(other))


def test_an_address_the_client_made_up_gives_no_fresh_allowance(tote, fake_stripe, settings):
    """Only the entries the trusted proxies appended count; without a proxy, none."""
    settings.QUIRE_CHECKOUT_LIMIT_PER_IP = (1, 3600)
    for proxies, claimed in [(0, "192.0.2.1"), (1, "192.0.2.1, 203.0.113.5")]:
        settings.QUIRE_TRUSTED_PROXY_COUNT = proxies
        first = Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="203.0.113.5")
        add(first, tote)
        start_checkout(first)
        liar = Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=claimed)
        add(liar, tote)

        assert messages_on(start_checkout(liar)) == [REFUSAL]
        cache.clear()
