"""The shop index and product pages: what is on sale, at what price, and in what state."""

import json

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from shop.models import Product
from tests.factories import ProductFactory, make_image

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def test_shop_lists_visible_products_with_price_and_state(client, home):
    ProductFactory(title="Tote", price=1200)
    ProductFactory(title="Old print", status=Product.Status.SOLD_OUT)
    ProductFactory(title="Secret", status=Product.Status.HIDDEN)

    page = soup(client.get(reverse("shop:index")))

    cards = {c.select_one(".product-card__title").text: c for c in page.select(".product-card")}
    assert set(cards) == {"Tote", "Old print"}
    assert cards["Tote"].select_one(".price").text == "£12.00"
    assert cards["Old print"].select_one(".availability").text == "Sold out"


def test_product_page_shows_price_and_an_add_to_basket_form(client, home):
    product = ProductFactory(title="Tote", price=1200, stock=3, cover_image=make_image())

    page = soup(client.get(product.get_absolute_url()))

    assert page.h1.text == "Tote"
    assert page.select_one(".product__price").text == "£12.00"
    assert page.select_one(".availability").text == "In stock: only 3 left"
    form = page.select_one("form.buy-form")
    assert form["action"] == reverse("shop:basket_add")
    assert form.find("input", attrs={"name": "quantity"})["max"] == "3"


def test_product_structured_data_and_open_graph(client, home):
    product = ProductFactory(title="Tote", price=1200, cover_image=make_image())

    page = soup(client.get(product.get_absolute_url()))

    data = json.loads(page.find("script", type="application/ld+json").string)
    assert data["@type"] == "Product"
    assert data["offers"]["price"] == "12.00"
    assert data["offers"]["priceCurrency"] == "GBP"
    assert data["offers"]["availability"] == "https://schema.org/InStock"
    assert page.find("meta", property="og:type")["content"] == "product"
    assert page.find("meta", property="og:image")["content"].startswith("http://testserver/")


def test_a_product_title_cannot_close_its_structured_data_script(client, home):
    title = "Tote </script><p>Not markup</p> & more"
    product = ProductFactory(title=title, slug="tote")

    html = client.get(product.get_absolute_url()).content.decode()

    assert "</script><p>Not markup" not in html
    script = BeautifulSoup(html, "html.parser").find("script", type="application/ld+json")
    assert json.loads(script.string)["name"] == title


@pytest.mark.parametrize(
    "fields, availability, shown",
    [
        ({"status": Product.Status.PRE_ORDER}, "PreOrder", "Available to pre-order"),
        (
            {"status": Product.Status.PRE_ORDER, "preorder_cap": 300, "preorder_reserved": 120},
            "PreOrder",
            "Available to pre-order: 180 of 300 left",
        ),
        (
            {"status": Product.Status.PRE_ORDER, "preorder_cap": 10, "preorder_reserved": 10},
            "SoldOut",
            "Pre-orders closed",
        ),
        ({"status": Product.Status.SOLD_OUT}, "SoldOut", "Sold out"),
        ({"stock": 0}, "SoldOut", "Sold out"),
    ],
)
def test_sold_out_and_pre_order_states_are_clear(client, home, fields, availability, shown):
    product = ProductFactory(**fields)

    page = soup(client.get(product.get_absolute_url()))

    data = json.loads(page.find("script", type="application/ld+json").string)
    assert data["offers"]["availability"] == f"https://schema.org/{availability}"
    assert page.select_one(".availability").text == shown
    # A pre-order with units left goes in the basket like anything in stock; a product sold
    # out by what is left keeps its form disabled (sales change it live), one off sale has none.
    form = page.select_one("form.buy-form")
    can_buy = form is not None and not form.button.has_attr("disabled")
    assert can_buy == (availability == "PreOrder")


def test_pre_order_product_links_to_the_pre_order_form(client, home):
    product = ProductFactory(title="New book", status=Product.Status.PRE_ORDER)

    page = soup(client.get(product.get_absolute_url()))

    link = page.find("a", string="Pre-order “New book”")["href"]
    assert link == reverse("shop:pre_order") + f"?product={product.slug}"


@pytest.mark.parametrize(
    "campaign",
    [{"preorder_open": False}, {"preorder_cap": 10, "preorder_reserved": 10}],
    ids=["closed", "full"],
)
def test_a_closed_or_full_campaign_offers_no_pre_order_button(client, home, campaign):
    product = ProductFactory(title="New book", status=Product.Status.PRE_ORDER, **campaign)

    page = soup(client.get(product.get_absolute_url()))

    assert page.find("a", string="Pre-order “New book”") is None
    assert page.select_one(".availability").text == "Pre-orders closed"


def test_hidden_and_unknown_products_are_404(client, home):
    hidden = ProductFactory(status=Product.Status.HIDDEN)

    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get("/shop/products/no-such-thing/").status_code == 404


def test_a_post_features_a_product_with_its_live_price_and_a_buy_button(client, make_post):
    product = ProductFactory(title="Tote", price=1200)
    post = make_post(
        body=[{"type": "product", "value": {"product": product.pk, "note": "Signed!"}}]
    )
    product.price = 1400
    product.save()

    block = soup(client.get(post.url)).select_one(".featured-product")

    assert block.select_one(".featured-product__title").text == "Tote"
    assert block.select_one(".price").text == "£14.00"
    assert block.select_one(".featured-product__note").text == "Signed!"
    assert block.select_one("input[name=price]")["value"] == "1400"


def test_a_featured_product_that_was_hidden_disappears_from_the_post(client, make_post):
    product = ProductFactory(title="Withdrawn")
    post = make_post(body=[{"type": "product", "value": {"product": product.pk, "note": ""}}])
    product.status = Product.Status.HIDDEN
    product.save()

    assert soup(client.get(post.url)).select_one(".featured-product") is None


def test_a_featured_product_that_was_deleted_does_not_break_the_post(client, make_post):
    product = ProductFactory(title="Deleted")
    post = make_post(body=[{"type": "product", "value": {"product": product.pk, "note": ""}}])
    product.delete()

    response = client.get(post.url)

    assert response.status_code == 200
    assert soup(response).select_one(".featured-product") is None


def test_an_editor_without_shop_rights_sees_no_shop_menu(client, django_user_model, home):
    editor = django_user_model.objects.create_user("editor", password="pw")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)

    admin_home = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "Products" not in admin_home
    assert client.get(reverse("wagtailsnippets_shop_product:list")).status_code == 302
