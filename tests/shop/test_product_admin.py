"""Editors add and edit products in the Wagtail admin, typing prices as shoppers read them."""

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from wagtail.test.utils.form_data import rich_text

from shop.fields import MoneyFormField
from shop.models import Product
from shop.money import format_money
from tests.factories import ProductFactory


def product_form_data(**changes) -> dict:
    """What the snippet form posts for a new book on sale, with `changes` applied."""
    data = {
        "title": "Dirty Old Town",
        "slug": "dirty-old-town",
        "short_description": "The book.",
        "description": rich_text("<p>A book about buildings.</p>"),
        "format": "book",
        "price": "16.99",
        "currency": "GBP",
        "status": "on_sale",
        "stock": "300",
        "per_order_limit": "5",
        "release_date": "",
        "shipping_class": "small",
        "vat_rate": "zero",
        "preorder_cap": "",
        "preorder_per_buyer_limit": "5",
        "preorder_charge_mode": "charge_now",
        "preorder_open": "on",
        "gallery_images-TOTAL_FORMS": "0",
        "gallery_images-INITIAL_FORMS": "0",
        "gallery_images-MIN_NUM_FORMS": "0",
        "gallery_images-MAX_NUM_FORMS": "1000",
        "option_label": "Size",
        "variants-TOTAL_FORMS": "0",
        "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
    }
    return data | changes


def variant_rows(*rows) -> dict:
    """The variants inline's fields for new rows of (name, sku, price typed, stock typed)."""
    data = {"variants-TOTAL_FORMS": str(len(rows))}
    for n, (name, sku, price, stock) in enumerate(rows):
        data |= {
            f"variants-{n}-name": name,
            f"variants-{n}-sku": sku,
            f"variants-{n}-price": price,
            f"variants-{n}-stock": stock,
            f"variants-{n}-ORDER": str(n + 1),
            f"variants-{n}-DELETE": "",
            f"variants-{n}-id": "",
        }
    return data


def form_input(response, name: str):
    return BeautifulSoup(response.content, "html.parser").find(attrs={"name": name})


# The price field on its own.


@pytest.mark.parametrize(
    "typed, pence",
    [
        ("18.50", 1850),
        ("18", 1800),
        ("18.5", 1850),
        ("£18.50", 1850),
        ("1,234.50", 123450),
        ("£1,234", 123400),
        ("£ 7", 700),
        (" 0.99 ", 99),
        ("0", 0),
    ],
)
def test_price_field_reads_pounds_and_pence_as_shoppers_write_them(typed, pence):
    assert MoneyFormField().clean(typed) == pence


@pytest.mark.parametrize(
    "typed, message",
    [
        ("18.505", "at most two decimal places"),
        ("18.500", "at most two decimal places"),
        ("-18.50", "cannot be negative"),
        ("£-1", "cannot be negative"),
        ("eighteen", "Enter an amount such as 18.50"),
        ("18,50", "Enter an amount such as 18.50"),
        ("1.2.3", "Enter an amount such as 18.50"),
        ("1e3", "Enter an amount such as 18.50"),
        ("", "This field is required"),
    ],
)
def test_price_field_refuses_what_is_not_an_amount_with_a_message(typed, message):
    with pytest.raises(ValidationError) as refused:
        MoneyFormField().clean(typed)

    assert message in " ".join(refused.value.messages)


@pytest.mark.parametrize("pence, shown", [(1850, "18.50"), (5, "0.05"), (123450, "1234.50")])
def test_price_field_shows_pence_as_pounds(pence, shown):
    assert MoneyFormField().prepare_value(pence) == shown


@given(st.integers(min_value=0, max_value=10**12))
def test_what_the_price_field_shows_reads_back_as_the_same_pence(pence):
    field = MoneyFormField()

    assert field.clean(field.prepare_value(pence)) == pence


# The product form in the admin.


@pytest.mark.django_db
def test_adding_a_product_stores_a_price_typed_in_pounds_as_pence(admin_client, home):
    response = admin_client.post(
        reverse("wagtailsnippets_shop_product:add"), product_form_data(price="18.50")
    )

    assert response.status_code == 302
    assert Product.objects.get(slug="dirty-old-town").price == 1850
    listing = admin_client.get(reverse("wagtailsnippets_shop_product:list")).content.decode()
    assert "Dirty Old Town" in listing and "£18.50" in listing


@pytest.mark.django_db
def test_staff_add_variants_each_with_stock_sku_and_price_and_the_product_sums_them(
    admin_client, home
):
    response = admin_client.post(
        reverse("wagtailsnippets_shop_product:add"),
        product_form_data(
            title="T-shirt",
            slug="t-shirt",
            stock="",
            option_label="Size and colour",
            **variant_rows(
                ("M, black", "TEE-M-BLA", "", "6"), ("XL, black", "TEE-XL-BLA", "20.00", "2")
            ),
        ),
    )

    assert response.status_code == 302
    shirt = Product.objects.get(slug="t-shirt")
    assert (shirt.has_variants, shirt.stock, shirt.option_label) == (True, 8, "Size and colour")
    assert [(v.name, v.sku, v.price, v.stock) for v in shirt.variants.all()] == [
        ("M, black", "TEE-M-BLA", None, 6),
        ("XL, black", "TEE-XL-BLA", 2000, 2),
    ]


@pytest.mark.django_db
def test_two_variants_with_one_sku_come_back_with_a_message_and_blank_skus_are_fine(
    admin_client, home
):
    rows = [
        ("S", "TEE-1", "", "1"),
        ("M", "TEE-1", "", "1"),
        ("L", "", "", "1"),
        ("XL", "", "", "1"),
    ]
    response = admin_client.post(
        reverse("wagtailsnippets_shop_product:add"),
        product_form_data(title="T-shirt", slug="t-shirt", **variant_rows(*rows)),
    )

    assert response.status_code == 200
    assert "Please correct the duplicate data for sku" in response.content.decode()
    assert not Product.objects.exists()

    rows[1] = ("M", "TEE-2", "", "1")
    response = admin_client.post(
        reverse("wagtailsnippets_shop_product:add"),
        product_form_data(title="T-shirt", slug="t-shirt", **variant_rows(*rows)),
    )
    assert response.status_code == 302
    skus = list(Product.objects.get().variants.values_list("sku", flat=True))
    assert skus == ["TEE-1", "TEE-2", None, None]


@pytest.mark.django_db
def test_a_price_with_too_many_decimals_comes_back_with_a_message(admin_client, home):
    response = admin_client.post(
        reverse("wagtailsnippets_shop_product:add"), product_form_data(price="18.505")
    )

    assert response.status_code == 200
    assert "at most two decimal places" in response.content.decode()
    assert form_input(response, "price")["value"] == "18.505"  # what the editor typed stays
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_the_edit_form_shows_the_price_in_pounds(admin_client, home):
    product = ProductFactory(price=1850)

    response = admin_client.get(reverse("wagtailsnippets_shop_product:edit", args=[product.pk]))

    assert form_input(response, "price")["value"] == "18.50"


@pytest.mark.django_db
def test_editing_a_price_in_pounds_stores_pence(admin_client, home):
    product = ProductFactory(title="Dirty Old Town", slug="dirty-old-town", price=1850)

    response = admin_client.post(
        reverse("wagtailsnippets_shop_product:edit", args=[product.pk]),
        product_form_data(price="£1,234.50"),
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.price == 123450


def test_price_field_refuses_more_than_the_database_holds_with_a_message_in_pounds():
    _, largest = connection.ops.integer_field_range("PositiveIntegerField")
    field = Product._meta.get_field("price").formfield()

    assert field.clean(field.prepare_value(largest)) == largest
    with pytest.raises(ValidationError) as refused:
        field.clean(field.prepare_value(largest + 1))
    assert refused.value.messages == [f"Enter at most {format_money(largest)}."]


@pytest.mark.django_db
def test_the_add_form_fills_the_slug_from_the_title_as_the_editor_types(admin_client, home):
    response = admin_client.get(reverse("wagtailsnippets_shop_product:add"))

    title, slug = form_input(response, "title"), form_input(response, "slug")
    assert "w-sync" in title["data-controller"].split()
    assert "keyup->w-sync#apply" in title["data-action"]
    assert title["data-w-sync-target-value"] == f"#{slug['id']}"
    assert slug["data-controller"] == "w-slug"  # Wagtail's SlugInput formats what is typed


@pytest.mark.django_db
def test_a_new_title_leaves_a_saved_products_slug_alone(admin_client, home):
    product = ProductFactory(title="Dirty Old Town", slug="dirty-old-town")
    edit_url = reverse("wagtailsnippets_shop_product:edit", args=[product.pk])

    title = form_input(admin_client.get(edit_url), "title")
    assert "w-sync#apply" not in title.get("data-action", "")

    response = admin_client.post(edit_url, product_form_data(title="Dirty Old Town, revised"))
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.title, product.slug) == ("Dirty Old Town, revised", "dirty-old-town")
