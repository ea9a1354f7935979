"""The shop hears once when sales bring a product down to its low-stock threshold, again only
after a restock, and never about a product without a threshold or a sale that did not happen."""

import pytest
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

from shop.models import Product, ProductVariant
from tests.factories import ProductFactory
from tests.shop.test_checkout import add, start_checkout

pytestmark = pytest.mark.django_db


def sell(commit, product, quantity=1):
    commit(
        Product.objects.filter(pk=product.pk).update_what_is_left,
        stock=F("stock") - quantity,
    )


def subjects(inbox) -> list[str]:
    return [message["Subject"] for message in inbox.messages]


def test_a_checkout_taking_the_stock_to_the_threshold_emails_the_shop(
    client, home, fake_stripe, smtp_inbox, settings, django_capture_on_commit_callbacks
):
    tote = ProductFactory(title="Tote", stock=7, low_stock_threshold=5)
    add(client, tote, 2)

    with django_capture_on_commit_callbacks(execute=True):
        start_checkout(client)

    [alert] = smtp_inbox.messages
    assert alert["Subject"] == "Running low: Tote (5 left)"
    assert alert["To"] == settings.SHOP_STAFF_EMAIL
    text = alert.get_body(("plain",)).get_content()
    assert "Sales have brought Tote down to 5 left in stock" in text
    assert reverse("wagtailsnippets_shop_product:edit", args=[tote.pk]) in text


def test_further_sales_below_the_threshold_send_nothing_more(commit, smtp_inbox):
    tote = ProductFactory(title="Tote", stock=6, low_stock_threshold=5)

    for _ in range(3):
        sell(commit, tote)

    assert subjects(smtp_inbox) == ["Running low: Tote (5 left)"]
    assert Product.objects.get(pk=tote.pk).stock == 3


def test_a_restock_above_the_threshold_arms_the_alert_for_the_next_fall(commit, smtp_inbox):
    tote = ProductFactory(title="Tote", stock=5, low_stock_threshold=5)
    sell(commit, tote)

    tote.refresh_from_db()
    tote.stock = 12
    tote.save()
    sell(commit, tote, 7)

    assert subjects(smtp_inbox) == ["Running low: Tote (4 left)", "Running low: Tote (5 left)"]


def test_units_back_from_an_abandoned_checkout_do_not_alert_again(commit, smtp_inbox):
    tote = ProductFactory(title="Tote", stock=6, low_stock_threshold=5)
    sell(commit, tote)
    commit(Product.objects.filter(pk=tote.pk).update_what_is_left, stock=F("stock") + 1)

    sell(commit, tote)

    assert subjects(smtp_inbox) == ["Running low: Tote (5 left)"]


def test_a_product_without_a_threshold_never_alerts(commit, smtp_inbox):
    tote = ProductFactory(title="Tote", stock=2, low_stock_threshold=None)

    sell(commit, tote, 2)

    assert smtp_inbox.messages == []


def test_an_alert_smtp_missed_is_sent_by_the_sweep_once(commit, smtp):
    tote = ProductFactory(title="Tote", stock=6, low_stock_threshold=5)
    smtp.down()
    sell(commit, tote)
    assert smtp.inbox.messages == []

    smtp.up()
    call_command("send_order_emails")
    call_command("send_order_emails")

    assert subjects(smtp.inbox) == ["Running low: Tote (5 left)"]


# Variants


def t_shirt_with_threshold(threshold=2):
    shirt = ProductFactory.build(title="T-shirt", slug="t-shirt", low_stock_threshold=threshold)
    shirt.variants = [ProductVariant(name="M", stock=3), ProductVariant(name="L", stock=10)]
    shirt.save()
    return shirt


def test_a_variant_falling_to_the_products_threshold_emails_the_shop_about_that_variant(
    client, home, fake_stripe, smtp_inbox, django_capture_on_commit_callbacks
):
    shirt = t_shirt_with_threshold(2)
    medium = shirt.variants.get(name="M")
    client.post(
        reverse("shop:basket_add"), {"product": shirt.pk, "variant": medium.pk, "quantity": "1"}
    )

    with django_capture_on_commit_callbacks(execute=True):
        start_checkout(client)

    [alert] = smtp_inbox.messages  # about M only: the sum (12) is far above 2
    assert alert["Subject"] == "Running low: T-shirt (M) (2 left)"
    text = alert.get_body(("plain",)).get_content()
    assert "Sales have brought T-shirt (M) down to 2 left in stock" in text


def test_a_variants_alert_goes_once_until_staff_restock_it(home, smtp_inbox):
    shirt = t_shirt_with_threshold(2)
    ProductVariant.objects.filter(product=shirt, name="M").update(stock=1)

    call_command("send_order_emails")
    call_command("send_order_emails")
    assert subjects(smtp_inbox) == ["Running low: T-shirt (M) (1 left)"]

    shirt = Product.objects.get(pk=shirt.pk)
    shirt.variants = [
        ProductVariant(pk=v.pk, name=v.name, stock=8 if v.name == "M" else v.stock)
        for v in shirt.variants.all()
    ]
    shirt.save()  # as the admin form saves it, with its variants
    ProductVariant.objects.filter(product=shirt, name="M").update(stock=2)
    call_command("send_order_emails")

    assert subjects(smtp_inbox) == [
        "Running low: T-shirt (M) (1 left)",
        "Running low: T-shirt (M) (2 left)",
    ]
