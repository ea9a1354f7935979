"""Product images are WebP pictures with a JPEG fallback, sized for their layout, the cover
fetched first and the rest lazily, at a query cost that ignores how many there are."""

import re

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from shop.models import ProductImage
from tests.factories import (
    PreOrderProductFactory,
    ProductFactory,
    make_image,
    make_preorder_form_page,
)
from tests.shop.test_query_counts import count_queries

pytestmark = pytest.mark.django_db

LARGE = (1600, 1600)


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def srcset_widths(srcset: str) -> list[int]:
    return [int(width) for width in re.findall(r" (\d+)w", srcset)]


def product_with_gallery(pictures: int):
    product = ProductFactory(cover_image=make_image("Cover", size=LARGE))
    for n in range(pictures):
        ProductImage.objects.create(product=product, image=make_image(f"Side {n}"), sort_order=n)
    return product


def test_product_cover_leads_and_the_gallery_loads_lazily(client, home):
    product = product_with_gallery(2)

    pictures = soup(client.get(product.get_absolute_url())).select(".product__media picture")

    cover, *gallery = [picture.img for picture in pictures]
    assert cover.get("loading") != "lazy"
    assert cover["fetchpriority"] == "high"
    assert srcset_widths(cover["srcset"]) == [1080, 720, 480]
    assert [img["loading"] for img in gallery] == ["lazy", "lazy"]
    for picture in pictures:
        assert picture.source["type"] == "image/webp"
        assert picture.img.has_attr("width") and picture.img.has_attr("height")


def test_product_social_card_is_a_jpeg_with_its_size(client, home):
    product = product_with_gallery(0)

    page = soup(client.get(product.get_absolute_url()))

    meta = {tag["property"]: tag["content"] for tag in page.find_all("meta", property=True)}
    assert meta["og:image"].endswith(".jpg")
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")


def test_only_the_first_product_card_loads_eagerly(client, home):
    for n in range(3):
        ProductFactory(title=f"Product {n}", cover_image=make_image(f"Cover {n}", size=LARGE))

    imgs = soup(client.get(reverse("shop:index"))).select(".product-card picture img")

    assert [img["loading"] for img in imgs] == ["eager", "lazy", "lazy"]
    assert all(srcset_widths(img["srcset"]) == [800, 480, 320] for img in imgs)
    assert all((img["width"], img["height"]) == ("800", "800") for img in imgs)


def test_the_first_product_with_a_picture_loads_eagerly_when_the_first_has_none(client, home):
    ProductFactory(title="A first, no picture")
    for n in range(2):
        ProductFactory(title=f"Product {n}", cover_image=make_image(f"Cover {n}", size=LARGE))

    imgs = soup(client.get(reverse("shop:index"))).select(".product-card picture img")

    assert [img["loading"] for img in imgs] == ["eager", "lazy"]


def test_a_featured_product_picture_is_not_a_link_without_a_name(client, make_post):
    """axe "link-name" (serious): the picture was a link hidden from screen readers with an
    empty alt. The product's title is its link."""
    product = ProductFactory(title="Tote", cover_image=make_image("Tote", size=LARGE))
    post = make_post(body=[{"type": "product", "value": {"product": product.pk, "note": ""}}])

    featured = soup(client.get(post.url)).select_one(".featured-product")

    assert [link.get_text(strip=True) for link in featured.select("a[href]")] == ["Tote"]


def test_featured_product_in_a_post_is_a_small_lazy_picture(client, make_post):
    product = ProductFactory(cover_image=make_image("Tote", size=LARGE))
    post = make_post(body=[{"type": "product", "value": {"product": product.pk, "note": ""}}])

    picture = soup(client.get(post.url)).select_one(".featured-product picture")

    assert picture.source["type"] == "image/webp"
    assert picture.img["sizes"] == "8rem"
    assert srcset_widths(picture.img["srcset"]) == [256, 128]
    assert picture.img["loading"] == "lazy"


def test_pre_order_form_shows_each_campaign_as_a_picture(client, home):
    for n in range(2):
        PreOrderProductFactory(cover_image=make_image(f"Book {n}"))
    page = make_preorder_form_page(home)

    imgs = soup(client.get(page.url)).select(".campaign picture img")

    assert [img["loading"] for img in imgs] == ["eager", "lazy"]
    assert all(img["sizes"] == "7rem" for img in imgs)


def test_a_product_with_many_pictures_costs_the_same_queries_as_one_with_one(client, home):
    one = product_with_gallery(1)
    many = product_with_gallery(6)

    assert count_queries(client, many.get_absolute_url()) == count_queries(
        client, one.get_absolute_url()
    )


def test_a_pre_order_form_with_many_campaigns_costs_the_same_as_with_two(client, home):
    """Two, not one: a single product is a hidden field, so its choice list is never queried."""
    page = make_preorder_form_page(home)
    for n in range(2):
        PreOrderProductFactory(cover_image=make_image(f"Only {n}"))
    with_two = count_queries(client, page.url)
    for n in range(3):
        PreOrderProductFactory(cover_image=make_image(f"Book {n}"))

    assert count_queries(client, page.url) == with_two
