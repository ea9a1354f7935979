"""What search engines and social networks read: sitemap, robots.txt, meta tags, JSON-LD."""

import json
import xml.etree.ElementTree as ET

from bs4 import BeautifulSoup
from wagtail.models import Site

from shop.models import Product
from tests.factories import ProductFactory, make_image

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_sitemap_lists_live_pages_with_absolute_urls(client, make_post):
    post = make_post(title="Listed")
    make_post(title="Hidden").unpublish()

    tree = ET.fromstring(client.get("/sitemap.xml").content)
    locations = [url.findtext(f"{SITEMAP}loc") for url in tree.findall(f"{SITEMAP}url")]

    assert f"http://testserver{post.url}" in locations
    assert "http://testserver/blog/" in locations
    assert not any("hidden" in location for location in locations)


def sitemap_locations(client, **headers) -> list[str]:
    tree = ET.fromstring(client.get("/sitemap.xml", **headers).content)
    return [url.findtext(f"{SITEMAP}loc") for url in tree.findall(f"{SITEMAP}url")]


def test_sitemap_lists_the_shop_and_every_product_the_public_may_see(client, home):
    book = ProductFactory(title="Dirty Old Town", status=Product.Status.ON_SALE)
    ProductFactory(title="Secret", status=Product.Status.HIDDEN)

    locations = sitemap_locations(client)

    assert "http://testserver/shop/" in locations
    assert f"http://testserver{book.get_absolute_url()}" in locations
    assert not any("secret" in location for location in locations)


def test_sitemap_addresses_are_the_ones_the_site_is_reached_at_not_localhost(
    client, make_post, home
):
    Site.objects.update(hostname="localhost", port=80)  # as Wagtail leaves it
    post = make_post(title="Listed")
    ProductFactory(title="Dirty Old Town", status=Product.Status.ON_SALE)

    locations = sitemap_locations(client, HTTP_HOST="quire.example", secure=True)

    assert f"https://quire.example{post.url}" in locations
    assert "https://quire.example/shop/" in locations
    assert all(location.startswith("https://quire.example/") for location in locations)


def test_robots_txt_points_at_the_sitemap_and_keeps_out_of_admin(client):
    response = client.get("/robots.txt")

    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Disallow: /admin/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text


def test_post_has_canonical_open_graph_and_twitter_tags(client, make_post):
    post = make_post(title="Social", cover_image=make_image("Cover"))

    page = BeautifulSoup(client.get(f"{post.url}?utm_source=x").content, "html.parser")

    url = f"http://testserver{post.url}"
    assert page.find("link", rel="canonical")["href"] == url
    meta = {
        tag.get("property") or tag.get("name"): tag["content"]
        for tag in page.find_all("meta")
        if tag.get("content")
    }
    assert meta["og:type"] == "article"
    assert meta["og:url"] == url
    assert meta["og:title"] == "Social"
    assert meta["og:description"] == post.intro
    assert meta["og:image"].startswith("http://testserver/")
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["description"] == post.intro


def test_post_has_blogposting_json_ld(client, make_post):
    post = make_post(title="</script><b>Structured</b>", author="Ruth Calder")

    page = BeautifulSoup(client.get(post.url).content, "html.parser")
    data = json.loads(page.find("script", type="application/ld+json").string)

    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "</script><b>Structured</b>"
    assert data["url"] == f"http://testserver{post.url}"
    assert data["author"] == {"@type": "Person", "name": "Ruth Calder"}
    assert data["datePublished"] == post.date.isoformat()


def test_json_ld_carries_the_social_image(client, make_post):
    post = make_post(cover_image=make_image("Cover"))

    page = BeautifulSoup(client.get(post.url).content, "html.parser")
    data = json.loads(page.find("script", type="application/ld+json").string)

    assert data["image"].startswith("http://testserver/")


def test_paginated_listing_keeps_its_page_in_the_canonical_url(client, make_post, settings):
    settings.QUIRE_POSTS_PER_PAGE = 1
    make_post()
    make_post()

    page = BeautifulSoup(client.get("/blog/?page=2&utm=x").content, "html.parser")

    assert page.find("link", rel="canonical")["href"] == "http://testserver/blog/?page=2"


def test_favicon_is_served(client, home):
    page = BeautifulSoup(client.get("/").content, "html.parser")

    assert page.find("link", rel="icon")["href"].endswith("favicon.svg")
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("favicon.svg")
