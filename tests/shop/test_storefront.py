"""What a shopper sees on the shop, product and basket pages: cards that can be bought from,
one word for each state, delivery and returns notes, the legal pages before paying, every
picture reachable, thumbnails."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from shop.models import Product, ProductImage, ShopDetails
from tests.factories import (
    PreOrderProductFactory,
    ProductFactory,
    StandardPageFactory,
    make_image,
    make_preorder_form_page,
)

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def shop_cards(client) -> dict[str, BeautifulSoup]:
    page = soup(client.get(reverse("shop:index")))
    return {
        card.select_one(".product-card__title").text: card for card in page.select(".product-card")
    }


def test_a_sold_out_card_says_sold_out_once_and_offers_no_working_button(client, home):
    ProductFactory(title="Old print", short_description="A print.", status=Product.Status.SOLD_OUT)
    ProductFactory(title="Last tote", short_description="A tote.", stock=0)

    cards = shop_cards(client)

    for card in cards.values():
        assert card.get_text().count("Sold out") == 1
    assert cards["Old print"].select("form, .button") == []  # off sale: staff edits retire it
    # Sold out by stock: the form keeps its place, disabled, for when stock comes back live.
    assert [button.has_attr("disabled") for button in cards["Last tote"].select("button")] == [True]


def test_a_card_in_stock_adds_one_to_the_basket_like_the_product_page(client, home):
    tote = ProductFactory(title="Tote", price=1200, stock=5)

    form = shop_cards(client)["Tote"].select_one("form.buy-form")

    assert form["action"] == reverse("shop:basket_add")
    fields = {field["name"]: field.get("value") for field in form.select("input")}
    # No token in the cached page: quire.js fills it in, as on the product page.
    assert fields == {
        "csrfmiddlewaretoken": "",
        "product": str(tote.pk),
        "price": "1200",
        "quantity": "1",
    }
    assert form.select_one("[data-csrf-token]") is not None
    assert form.button.get_text(" ", strip=True) == "Add to basket : Tote"

    client.post(form["action"], fields)  # the test client's token is always accepted
    assert "£12.00" in soup(client.get(reverse("shop:basket"))).select_one(".basket-lines").text


def test_a_pre_order_card_leads_to_the_pre_order_form_for_that_product(client, home):
    book = PreOrderProductFactory(title="Dirty Old Town", preorder_cap=10)
    PreOrderProductFactory(title="Another book", preorder_cap=10)
    make_preorder_form_page(home)

    card = shop_cards(client)["Dirty Old Town"]
    button = card.select_one(".product-card__action a.button")

    assert card.select_one("form") is None
    assert button.get_text(" ", strip=True) == "Pre-order “Dirty Old Town”"
    form = soup(client.get(button["href"], follow=True))
    assert form.h1.text == "Pre-Order Form"
    chosen = form.select_one("select[name=product] option[selected]")
    assert chosen["value"] == str(book.pk)


def test_a_full_campaign_card_says_so_once_and_offers_no_working_button(client, home):
    PreOrderProductFactory(title="Full book", preorder_cap=3, preorder_reserved=3)
    PreOrderProductFactory(title="Closed book", preorder_open=False)

    cards = shop_cards(client)

    for card in cards.values():
        assert card.get_text().count("Pre-orders closed") == 1
    assert cards["Closed book"].select("form, .button") == []  # closed by staff: retired
    # Full by what is left: the link keeps its place, marked disabled, for units coming back.
    assert [link.get("aria-disabled") for link in cards["Full book"].select(".button")] == ["true"]


def test_cards_with_and_without_a_picture_have_the_same_parts(client, home):
    ProductFactory(title="Pictured", cover_image=make_image("Tote"))
    ProductFactory(title="Plain")

    cards = shop_cards(client)

    def parts(card):
        return [part["class"][0] for part in card.select(":scope > div, .product-card__body > *")]

    assert parts(cards["Pictured"]) == parts(cards["Plain"])
    assert cards["Plain"].select_one(".product-tile")["aria-hidden"] == "true"
    # One link per card, named by the product: the picture is covered by the title's link.
    assert [a.text for a in cards["Pictured"].select("a")] == ["Pictured"]


def test_delivery_and_returns_notes_come_from_the_shop_details(client, home, commit):
    product = ProductFactory(title="Tote")
    returns = StandardPageFactory(parent=home, title="Delivery and returns", slug="returns")
    details = ShopDetails.for_site(home.get_site())
    assert soup(client.get(reverse("shop:index"))).select(".shop-notes") == []

    details.delivery_note = "Posted within two working days."
    details.returns_note = "Send it back within 30 days."
    details.returns_page = returns
    commit(details.save)

    for url in (reverse("shop:index"), product.get_absolute_url()):
        notes = soup(client.get(url)).select_one(".shop-notes")
        assert [note.get_text(" ", strip=True) for note in notes.select("li")] == [
            "Posted within two working days.",
            "Send it back within 30 days. Delivery and returns",
        ]
        assert notes.a["href"] == returns.url


def legal_pages(home, commit) -> list:
    """Terms, delivery and returns, and privacy pages, set in the shop details."""
    pages = [
        StandardPageFactory(parent=home, title=title, slug=slug)
        for title, slug in [
            ("Terms", "terms"),
            ("Delivery and returns", "returns"),
            ("Privacy", "privacy"),
        ]
    ]
    details = ShopDetails.for_site(home.get_site())
    details.terms_page, details.returns_page, details.privacy_page = pages
    commit(details.save)
    return pages


def test_the_basket_links_the_legal_pages_beside_the_pay_button(client, home, commit, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_quire"  # payments set up, so the pay button shows
    product = ProductFactory(title="Tote", stock=5)
    client.post(
        reverse("shop:basket_add"), {"product": product.pk, "quantity": "1", "price": product.price}
    )
    assert soup(client.get(reverse("shop:basket"))).select(".legal-links") == []
    terms, returns, privacy = legal_pages(home, commit)

    links = soup(client.get(reverse("shop:basket"))).select_one(".checkout-form .legal-links")

    assert links.get_text(" ", strip=True) == (
        "Before you pay, please read Terms , Delivery and returns and Privacy ."
    )
    assert [a["href"] for a in links.select("a")] == [terms.url, returns.url, privacy.url]


def test_the_pre_order_form_links_the_legal_pages_under_its_terms(client, home, commit):
    PreOrderProductFactory(title="Dirty Old Town")
    form_page = make_preorder_form_page(home)
    terms, returns, privacy = legal_pages(home, commit)
    commit(privacy.unpublish)  # a page readers cannot open is not linked

    links = soup(client.get(form_page.url)).select_one(".terms .legal-links")

    assert [a["href"] for a in links.select("a")] == [terms.url, returns.url]
    assert links.get_text(" ", strip=True) == (
        "Before you pay, please read Terms and Delivery and returns ."
    )


def test_a_product_page_links_every_picture_from_its_thumbnails(client, home):
    product = ProductFactory(title="Tote", cover_image=make_image("Front"))
    for n, caption in enumerate(["Back", "Handles"]):
        ProductImage.objects.create(
            product=product, image=make_image(caption), caption=caption, sort_order=n
        )

    page = soup(client.get(product.get_absolute_url()))

    slides = page.select(".gallery__slide")
    thumbs = page.select(".gallery__thumb")
    assert [slide["id"] for slide in slides] == ["picture-1", "picture-2", "picture-3"]
    assert [thumb["href"] for thumb in thumbs] == ["#picture-1", "#picture-2", "#picture-3"]
    assert [thumb.get_text() for thumb in thumbs] == [f"Picture {n} of 3" for n in (1, 2, 3)]
    assert [slide.figcaption.text for slide in slides[1:]] == ["Back", "Handles"]
    assert all(
        img.has_attr("width") and img.has_attr("height") for img in page.select(".gallery img")
    )
    strip = page.select_one(".gallery__slides")
    assert (strip["tabindex"], strip["role"]) == ("0", "region")  # scrollable by keyboard too


def test_a_product_with_one_picture_has_no_thumbnails(client, home):
    product = ProductFactory(title="Tote", cover_image=make_image("Front"))

    page = soup(client.get(product.get_absolute_url()))

    assert len(page.select(".gallery__slide")) == 1
    assert page.select(".gallery__thumbs") == []


def test_a_product_page_says_sold_out_once(client, home):
    product = ProductFactory(title="Old print", status=Product.Status.SOLD_OUT)

    info = soup(client.get(product.get_absolute_url())).select_one(".product__info")

    assert info.get_text().count("Sold out") == 1


def test_basket_lines_show_a_thumbnail_of_each_product(client, home):
    pictured = ProductFactory(title="Tote", cover_image=make_image("Tote"), stock=5)
    plain = ProductFactory(title="CD", stock=5)
    for product in (pictured, plain):
        client.post(
            reverse("shop:basket_add"),
            {"product": product.pk, "quantity": "1", "price": product.price},
        )

    rows = soup(client.get(reverse("shop:basket"))).select(".basket-lines tbody tr")

    thumbs = {
        row.select_one(".basket-line__name a").text: row.select_one(".basket-line__thumb")
        for row in rows
    }
    img = thumbs["Tote"].select_one("picture img")
    assert (img["width"], img["height"], img["alt"]) == ("160", "90", "")
    assert "basket-line__thumb--empty" in thumbs["CD"]["class"]
