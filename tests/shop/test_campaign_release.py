"""Releasing a campaign charges cards and emails buyers, so it asks first: what it will do,
for how much, and, before the release date, an explicit tick. Nothing happens until then."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from shop import preorders
from shop.models import PreOrder, Product
from tests.conftest import addressee
from tests.factories import PreOrderProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(home):
    return PreOrderProductFactory(title="Dirty Old Town", price=1699, release_date=None)


def pre_order(book, email: str, quantity: int, status: str) -> PreOrder:
    buyer = preorders.Buyer("Ruth Buyer", email, "1 Canal Street", "", "Salford", "M5 4WT", "GB")
    preorder, _ = preorders.place_preorder(book.pk, quantity, buyer, f"token-{email}")
    PreOrder.objects.filter(pk=preorder.pk).update(status=status)
    return preorder


def statuses(book) -> list[str]:
    return list(
        PreOrder.objects.filter(product=book).order_by("pk").values_list("status", flat=True)
    )


def text_of(response) -> str:
    return " ".join(BeautifulSoup(response.content, "html.parser").main.get_text(" ").split())


def set_release_date(book, days_from_today: int) -> None:
    new_date = timezone.localdate() + timedelta(days=days_from_today)
    Product.objects.filter(pk=book.pk).update(release_date=new_date)


def release(client, book, data=None):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            reverse("shop_campaign_release", args=[book.pk]), data or {}, follow=True
        )


def test_release_says_what_it_will_do_and_does_nothing_until_confirmed(admin_client, book):
    pre_order(book, "a@example.com", 1, PreOrder.Status.CARD_SAVED)  # £16.99 + £2.95
    pre_order(book, "b@example.com", 2, PreOrder.Status.CARD_SAVED)  # £33.98 + £2.95
    pre_order(book, "c@example.com", 1, PreOrder.Status.RESERVED)
    before = statuses(book)
    mail.outbox.clear()

    campaign = admin_client.get(reverse("shop_campaign", args=[book.pk]))
    asked = admin_client.get(reverse("shop_campaign_release", args=[book.pk]))
    with TestCase.captureOnCommitCallbacks(execute=True):
        old_button = admin_client.post(reverse("shop_campaign", args=[book.pk]), {"release": "1"})

    link = BeautifulSoup(campaign.content, "html.parser").find(
        "a", href=reverse("shop_campaign_release", args=[book.pk])
    )
    assert link.get_text(strip=True) == "Release and charge now…"
    assert "2 saved cards will be charged, £56.87 in total" in text_of(asked)
    assert "1 payment link will be emailed" in text_of(asked)
    assert old_button["Location"] == reverse("shop_campaign_release", args=[book.pk])
    assert statuses(book) == before
    assert mail.outbox == []


def test_confirming_the_release_runs_it(admin_client, book):
    pre_order(book, "c@example.com", 1, PreOrder.Status.RESERVED)
    set_release_date(book, 0)  # release day itself: no tick needed

    response = release(admin_client, book)

    assert response.redirect_chain == [(reverse("shop_campaign", args=[book.pk]), 302)]
    assert "0 saved cards queued to charge, 1 payment link sent" in response.content.decode()
    assert "Waiting for the buyer to pay: 1" in text_of(response)
    assert statuses(book) == [PreOrder.Status.PAYMENT_NEEDED]
    assert [addressee(m) for m in mail.outbox if "please pay" in m.subject] == ["c@example.com"]


def test_before_the_release_date_it_warns_and_needs_an_explicit_tick(admin_client, book):
    pre_order(book, "c@example.com", 1, PreOrder.Status.RESERVED)
    set_release_date(book, 10)
    mail.outbox.clear()

    asked = admin_client.get(reverse("shop_campaign_release", args=[book.pk]))
    unticked = release(admin_client, book)

    assert "The release date is not reached yet" in text_of(asked)
    assert "tick the box to release early anyway" in text_of(unticked)
    assert statuses(book) == [PreOrder.Status.RESERVED]
    assert mail.outbox == []

    ticked = release(admin_client, book, {"release_early": "on"})

    assert "1 payment link sent" in ticked.content.decode()
    assert statuses(book) == [PreOrder.Status.PAYMENT_NEEDED]


def test_on_or_after_the_release_date_no_tick_is_asked(admin_client, book):
    set_release_date(book, -1)

    asked = admin_client.get(reverse("shop_campaign_release", args=[book.pk]))

    page = BeautifulSoup(asked.content, "html.parser")
    assert page.select("input[name=release_early]") == []
    assert "not reached yet" not in text_of(asked)


def test_shop_staff_who_may_not_run_campaigns_cannot_release(client, django_user_model, book):
    pre_order(book, "c@example.com", 1, PreOrder.Status.RESERVED)
    packer = django_user_model.objects.create_user("packer", password="pw")
    packer.groups.add(Group.objects.get(name="Shop staff"))
    client.force_login(packer)

    assert client.get(reverse("shop_campaign_release", args=[book.pk])).status_code in (302, 403)
    refused = client.post(reverse("shop_campaign_release", args=[book.pk]))
    assert refused.status_code in (302, 403)
    assert statuses(book) == [PreOrder.Status.RESERVED]
