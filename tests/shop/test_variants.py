"""Variants: a T-shirt in sizes and colours, each with its own stock, SKU and optional price.
The buyer chooses one on the product page; the basket, the order, Stripe's page, refunds and
cancellations all count that variant's units, and the product's stock is always their sum."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from shop import orders, payments, settlement
from shop.models import BasketLine, Order, PreOrder, Product, ProductVariant
from tests.factories import ProductFactory, make_preorder_form_page
from tests.shop.test_checkout import messages_on, session_id_from, start_checkout
from tests.shop.test_emails import plain
from tests.shop.test_preorders import errors, submit

pytestmark = pytest.mark.django_db


def t_shirt(**fields) -> Product:
    product = ProductFactory.build(
        title="T-shirt", slug="t-shirt", price=1800, option_label="Size", **fields
    )
    product.variants = [
        ProductVariant(name="M", sku="TEE-M", stock=3),
        ProductVariant(name="L", sku="TEE-L", stock=1),
        ProductVariant(name="XL", sku="TEE-XL", price=2000, stock=None),
    ]
    product.save()
    return product


def variant(product, name) -> ProductVariant:
    return product.variants.get(name=name)


def add(client, product, chosen=None, quantity=1):
    fields = {"product": product.pk, "quantity": str(quantity)}
    if chosen is not None:
        fields["variant"] = chosen.pk
    return client.post(reverse("shop:basket_add"), fields, follow=True)


def pay(client, fake_stripe) -> Order:
    session_id = session_id_from(start_checkout(client)["Location"])
    fake_stripe.pay(session_id, name="Ann Reader", line1="1 Canal Street", city="Salford")
    return settlement.settle(payments.retrieve_checkout_session(session_id))


def stock(product) -> tuple:
    product.refresh_from_db()
    return product.stock, {v.name: v.stock for v in product.variants.all()}


def test_the_products_stock_is_the_sum_of_its_variants_or_unlimited_if_one_is(home):
    limited = ProductFactory.build(title="Socks", slug="socks")
    limited.variants = [ProductVariant(name="S", stock=2), ProductVariant(name="M", stock=5)]
    limited.save()
    assert (limited.has_variants, limited.stock) == (True, 7)

    shirt = Product.objects.get(pk=t_shirt().pk)
    assert (shirt.has_variants, shirt.stock) == (True, None)  # XL is unlimited


def test_the_product_page_offers_each_variant_with_its_price(client, home):
    shirt = t_shirt()

    page = BeautifulSoup(client.get(shirt.get_absolute_url()).content, "html.parser")

    choice = page.select_one("form.buy-form select[name=variant]")
    assert page.find("label", attrs={"for": choice["id"]}).text == "Size"
    assert [o.text for o in choice.select("option")] == [
        "Choose…",
        "M: £18.00",
        "L: £18.00",
        "XL: £20.00",
    ]
    assert "required" in choice.attrs


def test_a_shop_card_sends_the_buyer_to_choose_rather_than_adding(client, home):
    shirt = t_shirt()

    page = BeautifulSoup(client.get(reverse("shop:index")).content, "html.parser")

    card = page.find("a", href=shirt.get_absolute_url(), class_="button")
    assert card.get_text(" ", strip=True) == "Choose size : T-shirt"


def test_adding_without_choosing_is_refused_with_what_to_choose(client, home):
    shirt = t_shirt()

    response = add(client, shirt)

    assert messages_on(response) == ["Please choose the size of “T-shirt” you want."]
    assert not BasketLine.objects.exists()


def test_each_variant_is_its_own_basket_line_at_its_own_price(client, home):
    shirt = t_shirt()

    add(client, shirt, variant(shirt, "M"), 2)
    response = add(client, shirt, variant(shirt, "XL"))

    assert messages_on(response) == ["Added “T-shirt (XL)” to your basket."]
    page = BeautifulSoup(response.content, "html.parser")
    rows = [
        (row.select_one(".line-variant").text, row.select_one(".basket-line__total").text)
        for row in page.select("tr.basket-line")
    ]
    assert rows == [("Size: M", "£36.00"), ("Size: XL", "£20.00")]


def test_a_variant_cannot_be_added_beyond_its_own_stock(client, home):
    shirt = t_shirt()

    response = add(client, shirt, variant(shirt, "L"), 2)

    assert messages_on(response) == [
        "Sorry, only 1 of “T-shirt (L)” left; your basket can hold up to 1."
    ]


def test_a_sold_out_variant_is_refused_while_the_others_sell(client, home):
    shirt = t_shirt()
    ProductVariant.objects.filter(sku="TEE-L").update(stock=0)

    assert messages_on(add(client, shirt, variant(shirt, "L"))) == [
        "Sorry, “T-shirt (L)” is sold out."
    ]
    assert messages_on(add(client, shirt, variant(shirt, "M"))) == [
        "Added “T-shirt (M)” to your basket."
    ]


def test_another_products_variant_is_not_accepted(client, home):
    shirt = t_shirt()
    other = ProductFactory.build(title="Hoodie", slug="hoodie")
    other.variants = [ProductVariant(name="M", stock=5)]
    other.save()

    response = add(client, shirt, variant(other, "M"))

    assert messages_on(response) == ["Please choose the size of “T-shirt” you want."]


def test_changing_and_removing_a_line_touches_only_that_variant(client, home):
    shirt = t_shirt()
    medium, extra_large = variant(shirt, "M"), variant(shirt, "XL")
    add(client, shirt, medium)
    add(client, shirt, extra_large)

    client.post(
        reverse("shop:basket_update"),
        {"product": shirt.pk, "variant": medium.pk, "quantity": "3"},
    )
    client.post(reverse("shop:basket_remove"), {"product": shirt.pk, "variant": extra_large.pk})

    assert list(BasketLine.objects.values_list("variant__name", "quantity")) == [("M", 3)]


def test_paying_takes_the_variants_units_and_the_order_names_it(client, home, fake_stripe):
    shirt = t_shirt()
    add(client, shirt, variant(shirt, "M"), 2)
    add(client, shirt, variant(shirt, "XL"))

    order = pay(client, fake_stripe)

    lines = [(line.title, line.sku, line.unit_price, line.quantity) for line in order.lines.all()]
    assert lines == [("T-shirt (M)", "TEE-M", 1800, 2), ("T-shirt (XL)", "TEE-XL", 2000, 1)]
    assert stock(shirt) == (None, {"M": 1, "L": 1, "XL": None})
    items = payments._client().v1.checkout.sessions.line_items.list(order.stripe_session_id)
    assert [(item.description, item.amount_total) for item in items.data] == [
        ("T-shirt (M)", 3600),
        ("T-shirt (XL)", 2000),
    ]
    assert order.packing_items == [(2, "T-shirt (M)"), (1, "T-shirt (XL)")]


def test_the_products_stock_follows_its_variants_through_a_sale_and_a_cancellation(
    client, home, fake_stripe
):
    socks = ProductFactory.build(title="Socks", slug="socks")
    socks.variants = [ProductVariant(name="S", stock=2), ProductVariant(name="M", stock=5)]
    socks.save()
    add(client, socks, variant(socks, "M"), 2)
    start_checkout(client)
    assert stock(socks) == (5, {"S": 2, "M": 3})

    order = Order.objects.get()
    client.get(reverse("shop:checkout_cancel", args=[order.reference, order.access_token]))

    assert stock(socks) == (7, {"S": 2, "M": 5})


def test_a_refund_with_restock_puts_the_units_back_on_their_variant(
    client, home, fake_stripe, admin_user
):
    socks = ProductFactory.build(title="Socks", slug="socks")
    socks.variants = [ProductVariant(name="S", stock=2), ProductVariant(name="M", stock=5)]
    socks.save()
    add(client, socks, variant(socks, "S"), 2)
    order = pay(client, fake_stripe)
    assert stock(socks) == (5, {"S": 0, "M": 5})

    line = order.lines.get()
    orders.refund(
        order.pk,
        key="refund-s",
        reason="Too small",
        lines={line.pk: 1},
        restock=True,
        by=admin_user,
    )

    assert stock(socks) == (6, {"S": 1, "M": 5})


def test_a_variant_sold_out_between_basket_and_payment_stops_checkout(client, home, fake_stripe):
    shirt = t_shirt()
    add(client, shirt, variant(shirt, "L"))
    ProductVariant.objects.filter(sku="TEE-L").update(stock=0)

    response = start_checkout(client)

    assert response["Location"] == reverse("shop:basket")
    assert not Order.objects.exists()


def test_the_live_figures_say_which_variants_can_be_chosen(client, home, django_assert_num_queries):
    shirt = t_shirt()
    ProductVariant.objects.filter(sku="TEE-L").update(stock=0)
    plain = ProductFactory(stock=3)

    with django_assert_num_queries(2):  # the products, then their variants
        answer = client.get(
            reverse("shop:basket_count"), {"products": f"{shirt.pk},{plain.pk}"}
        ).json()["products"]

    by_name = {v.pk: v.name for v in shirt.variants.all()}
    shown = {by_name[int(pk)]: figure for pk, figure in answer[str(shirt.pk)]["variants"].items()}
    assert shown == {
        "M": {"canBuy": True, "maxQuantity": 3},
        "L": {"canBuy": False, "maxQuantity": 0},
        "XL": {"canBuy": True, "maxQuantity": 5},
    }
    assert "variants" not in answer[str(plain.pk)]


def test_a_variant_sold_out_when_the_page_is_drawn_cannot_be_chosen(client, home):
    shirt = t_shirt()
    ProductVariant.objects.filter(sku="TEE-L").update(stock=0)

    page = BeautifulSoup(client.get(shirt.get_absolute_url()).content, "html.parser")

    large = page.find("option", attrs={"data-label": "L: £18.00"})
    assert large.text == "L: £18.00 (sold out)" and "disabled" in large.attrs


# A pre-order campaign with variants


def t_shirt_on_pre_order() -> Product:
    shirt = t_shirt(
        status=Product.Status.PRE_ORDER,
        preorder_cap=4,
        preorder_per_buyer_limit=3,
        preorder_charge_mode="reserve",
    )
    ProductVariant.objects.filter(product=shirt).update(stock=0)  # nothing in stock yet
    return Product.objects.get(pk=shirt.pk)


def test_the_pre_order_form_asks_for_the_variant_and_keeps_it(home, client, smtp_inbox):
    shirt = t_shirt_on_pre_order()
    form_page = make_preorder_form_page(home)
    html = BeautifulSoup(client.get(form_page.url).content, "html.parser")
    choice = html.select_one("select[name=variant]")
    assert html.find("label", attrs={"for": choice["id"]}).text.strip().startswith("Size")
    assert [o.text for o in choice.select("option")][1:] == ["M: £18.00", "L: £18.00", "XL: £20.00"]

    refused = submit(client, form_page, quantity="1")
    assert errors(refused) == ["Size : Please choose the size."]

    submit(client, form_page, quantity="2", variant=str(variant(shirt, "XL").pk))

    preorder = PreOrder.objects.get()
    assert (preorder.title, preorder.unit_price, preorder.quantity) == ("T-shirt (XL)", 2000, 2)
    assert Product.objects.get(pk=shirt.pk).preorder_reserved == 2
    confirmation = next(m for m in smtp_inbox.messages if "ruth@example.com" in m["To"])
    assert "T-shirt (XL)" in confirmation["Subject"]
    assert "2 × T-shirt (XL) (£20.00 each)" in plain(confirmation)


def test_staff_can_delete_a_pre_ordered_variant_and_the_pre_order_keeps_its_name(
    home, client, smtp_inbox
):
    shirt = t_shirt_on_pre_order()
    form_page = make_preorder_form_page(home)
    submit(client, form_page, quantity="1", variant=str(variant(shirt, "L").pk))

    shirt.variants = [v for v in shirt.variants.all() if v.name != "L"]
    shirt.save()  # as the admin's form saves it with the row deleted

    preorder = PreOrder.objects.get()
    assert (preorder.variant, preorder.title) == (None, "T-shirt (L)")


def test_a_campaigns_cap_and_buyer_limit_count_its_variants_together(client, home, fake_stripe):
    shirt = t_shirt_on_pre_order()  # 4 units, 3 a buyer
    add(client, shirt, variant(shirt, "M"), 2)
    add(client, shirt, variant(shirt, "L"), 2)

    response = start_checkout(client)

    assert response["Location"] == reverse("shop:basket")
    assert messages_on(client.get(reverse("shop:basket")))[0].startswith(
        "You can pre-order up to 3"
    )
    assert not PreOrder.objects.exists()


def test_pre_ordering_two_variants_from_the_basket_makes_a_pre_order_of_each(
    client, home, fake_stripe
):
    shirt = t_shirt_on_pre_order()
    add(client, shirt, variant(shirt, "M"))
    add(client, shirt, variant(shirt, "XL"))
    tote = ProductFactory(title="Tote", price=1200, stock=5)
    add(client, tote)

    pay(client, fake_stripe)

    made = sorted((p.title, p.unit_price) for p in PreOrder.objects.all())
    assert made == [("T-shirt (M)", 1800), ("T-shirt (XL)", 2000)]
    assert Product.objects.get(pk=shirt.pk).preorder_reserved == 2


def test_site_search_finds_a_product_by_a_variant_name(client, home):
    shirt = t_shirt()
    shirt.variants = [*shirt.variants.all(), ProductVariant(name="Heather grey", stock=1)]
    shirt.save()

    page = client.get(reverse("search"), {"q": "heather"}).content.decode()

    assert shirt.get_absolute_url() in page
