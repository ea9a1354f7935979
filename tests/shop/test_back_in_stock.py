"""A shopper asks to hear when a sold-out product is back: they confirm from an email first,
are told once when it can be bought again, can stop it from either email, and cannot use the
shop to flood someone's inbox."""

import re

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse

from shop import buyer_data
from shop.models import BackInStockRequest, Product
from tests.factories import PreOrderProductFactory, ProductFactory

pytestmark = pytest.mark.django_db

EMAIL = "reader@example.com"


@pytest.fixture
def tote(home):
    return ProductFactory(title="Tote", slug="tote", stock=0, status=Product.Status.ON_SALE)


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """Run a request or a change as if its transaction committed (so its emails go)."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


def ask(client, committing, product, email=EMAIL):
    return committing(
        client.post, reverse("shop:back_in_stock", args=[product.slug]), {"email": email}
    )


def subjects(inbox) -> list[str]:
    return [message["Subject"] for message in inbox.messages]


def link_in(message, name: str) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"http://\S+/shop/back-in-stock/\S+/{name}/", text).group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def restock(committing, product, stock=5):
    product.refresh_from_db()
    product.stock = stock
    committing(product.save)


def test_a_shopper_confirms_and_hears_once_when_it_is_back(client, committing, tote, smtp_inbox):
    page = BeautifulSoup(client.get(tote.get_absolute_url()).content, "html.parser")
    link = page.select_one("[data-live-sold-out]")
    assert not link.has_attr("hidden")
    assert link.a["href"] == reverse("shop:back_in_stock", args=["tote"])

    response = ask(client, committing, tote)

    assert "We have emailed reader@example.com a link to confirm" in response.content.decode()
    [confirmation] = smtp_inbox.messages
    assert confirmation["Subject"] == "Please confirm: email me when Tote is back"
    confirm_url = path_of(link_in(confirmation, "confirm"))
    assert "Yes, email me when it" in client.get(confirm_url).content.decode()  # only a button
    assert BackInStockRequest.objects.get().confirmed_at is None

    confirmed = committing(client.post, confirm_url)
    assert "We will email reader@example.com once" in confirmed.content.decode()

    restock(committing, tote)
    restock(committing, tote, 4)  # sold one, restocked again: still one email

    assert subjects(smtp_inbox) == [
        "Please confirm: email me when Tote is back",
        "Tote is back in stock",
    ]
    back = smtp_inbox.messages[1]
    assert back["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert back["List-Unsubscribe"].strip() == f"<{link_in(back, 'stop')}>"
    assert "http://" in back.get_body(("plain",)).get_content()


def test_without_confirmation_nothing_is_sent_about_the_product(
    client, committing, tote, smtp_inbox
):
    ask(client, committing, tote)

    restock(committing, tote)

    assert subjects(smtp_inbox) == ["Please confirm: email me when Tote is back"]


def test_one_click_unsubscribe_stops_it_without_a_csrf_token(client, committing, tote, smtp_inbox):
    ask(client, committing, tote)
    wish = BackInStockRequest.objects.get()
    committing(client.post, reverse("shop:back_in_stock_confirm", args=[wish.token]))
    mail_client = Client(enforce_csrf_checks=True)  # posts as mail clients do: no token

    response = mail_client.post(
        reverse("shop:back_in_stock_stop", args=[wish.token]),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    restock(committing, tote)

    assert response.status_code == 200
    assert "We will not email reader@example.com" in response.content.decode()
    assert subjects(smtp_inbox) == ["Please confirm: email me when Tote is back"]


def test_units_back_from_an_abandoned_checkout_tell_waiting_shoppers(
    client, committing, tote, smtp_inbox
):
    ask(client, committing, tote)
    wish = BackInStockRequest.objects.get()
    committing(client.post, reverse("shop:back_in_stock_confirm", args=[wish.token]))

    committing(Product.objects.filter(pk=tote.pk).update_what_is_left, stock=F("stock") + 1)

    assert subjects(smtp_inbox)[-1] == "Tote is back in stock"


def test_confirming_after_it_came_back_tells_at_once(client, committing, tote, smtp_inbox):
    ask(client, committing, tote)
    restock(committing, tote)
    wish = BackInStockRequest.objects.get()

    committing(client.post, reverse("shop:back_in_stock_confirm", args=[wish.token]))

    assert subjects(smtp_inbox)[-1] == "Tote is back in stock"


def test_a_product_in_stock_needs_no_waiting_and_sends_nothing(
    client, committing, home, smtp_inbox
):
    cd = ProductFactory(title="CD", slug="cd", stock=3, status=Product.Status.ON_SALE)
    page = BeautifulSoup(client.get(cd.get_absolute_url()).content, "html.parser")
    assert page.select_one("[data-live-sold-out]").has_attr("hidden")

    response = ask(client, committing, cd)

    assert "“CD” is in stock" in response.content.decode()
    assert smtp_inbox.messages == []
    assert not BackInStockRequest.objects.exists()


def test_a_pre_order_product_has_nothing_to_wait_for(client, home):
    book = PreOrderProductFactory(title="Dirty Old Town", slug="dirty-old-town")

    response = client.get(reverse("shop:back_in_stock", args=[book.slug]))

    assert response.status_code == 404


def test_a_bad_address_is_refused_on_the_page(client, committing, tote, smtp_inbox):
    response = ask(client, committing, tote, "not an address")

    assert response.status_code == 400
    assert "Please enter a valid email address" in response.content.decode()
    assert smtp_inbox.messages == []


def test_nobody_can_flood_one_inbox_through_the_form(client, committing, tote, smtp_inbox):
    for _ in range(3):
        assert ask(client, committing, tote).status_code == 200

    refused = ask(client, committing, tote)

    assert refused.status_code == 400
    assert "We have sent enough emails about this for now" in refused.content.decode()
    assert len(smtp_inbox.messages) == 3


def test_the_sweep_sends_what_smtp_missed_once(client, committing, tote, smtp):
    smtp.down()
    ask(client, committing, tote)
    smtp.up()

    call_command("send_order_emails")
    call_command("send_order_emails")

    assert subjects(smtp.inbox) == ["Please confirm: email me when Tote is back"]


def test_a_shoppers_requests_are_exported_and_erased_with_their_data(
    client, committing, tote, admin_user, smtp_inbox
):
    ask(client, committing, tote, "Reader@Example.com")

    _, exported = buyer_data.export(EMAIL, by=admin_user)
    plan = buyer_data.preview_erasure(EMAIL)
    buyer_data.erase(EMAIL, by=admin_user, confirmed=plan.fingerprint)

    assert b'"product": "Tote"' in exported
    assert not BackInStockRequest.objects.exists()


@pytest.mark.parametrize("link", ["shop:back_in_stock_confirm", "shop:back_in_stock_stop"])
def test_a_link_we_never_sent_is_a_404_and_changes_nothing(client, committing, tote, link):
    ask(client, committing, tote)

    assert client.get(reverse(link, args=["not-a-token-we-sent"])).status_code == 404
    assert client.post(reverse(link, args=["not-a-token-we-sent"])).status_code == 404
    wish = BackInStockRequest.objects.get()
    assert (wish.confirmed_at, wish.stopped_at) == (None, None)
