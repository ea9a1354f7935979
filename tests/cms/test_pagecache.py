"""Public pages are served whole from the cache, and retired as soon as what they show changes.

Invalidation runs when the change commits, so the changes here are made inside
`django_capture_on_commit_callbacks(execute=True)`, as a real commit would run them.
"""

import datetime
import gzip

import brotli
import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import PageViewRestriction

from cms import pagecache
from cms.models import BlogPage
from shop.models import Product
from tests.cms.test_navigation import link, set_menus
from tests.factories import ProductFactory, StandardPageFactory


def decoded(response) -> bytes:
    encoding = response.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(response.content)
    return gzip.decompress(response.content) if encoding == "gzip" else response.content


def text_of(response, selector="main"):
    return BeautifulSoup(response.content, "html.parser").select_one(selector).get_text(" ")


def test_a_second_reader_gets_the_post_from_the_cache_without_a_query(client, make_post):
    post = make_post(title="Tales of the Unexpected")

    first = client.get(post.url)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(post.url)

    assert first["X-Cache"] == "MISS"
    assert second["X-Cache"] == "HIT"
    assert len(queries) == 0
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    for response in (first, second):
        assert "public" in response["Cache-Control"]
        assert "max-age=0" in response["Cache-Control"]  # an editor sees what they published
        assert "s-maxage=300" in response["Cache-Control"]


@pytest.mark.parametrize(
    "url", ["/", "/blog/", "/blog/tag/music/", "/blog/archive/2026/1/", "/about/", "/shop/"]
)
def test_public_pages_are_cached_and_carry_nothing_per_visitor(client, home, make_post, url):
    StandardPageFactory(parent=home)
    product = ProductFactory()
    make_post(
        tags=["music"],
        date=datetime.date(2026, 1, 15),
        body=[{"type": "product", "value": {"product": product.pk}}],
    )

    first = client.get(url)
    second = client.get(url)

    assert (first.status_code, second["X-Cache"]) == (200, "HIT")
    assert not first.cookies
    assert "Cookie" not in first.get("Vary", "")
    html = first.content.decode()
    assert 'name="csrfmiddlewaretoken" value=""' in html or "csrfmiddlewaretoken" not in html
    assert "wagtail-userbar" not in html


def test_pages_for_one_visitor_are_never_cached(client, home, make_post):
    product = ProductFactory()
    client.post(reverse("shop:basket_add"), {"product": product.pk, "quantity": "1"})

    for url in [
        reverse("shop:basket"),
        reverse("shop:basket_count"),
        reverse("search") + "?q=words",
        "/blog/?sort=oldest",  # a parameter the cache does not know: rendered fresh
    ]:
        client.get(url)
        assert client.get(url).get("X-Cache") != "HIT", url


def test_page_numbers_are_cached_separately(client, make_post, settings):
    settings.QUIRE_POSTS_PER_PAGE = 1
    make_post(title="Older")
    make_post(title="Newer")
    client.get("/blog/?page=2")

    page_two = client.get("/blog/?page=2")
    page_one = client.get("/blog/")

    assert page_two["X-Cache"] == "HIT"
    assert page_one["X-Cache"] == "MISS"
    assert page_two.content != page_one.content


def test_publishing_a_change_retires_the_post_and_the_listings(client, commit, make_post):
    post = make_post(title="First draft title")
    for url in [post.url, "/blog/", "/"]:
        client.get(url)

    def retitle():
        page = BlogPage.objects.get(pk=post.pk)
        page.title = "Second thoughts"
        page.save_revision().publish()

    commit(retitle)

    for url in [post.url, "/blog/", "/"]:
        response = client.get(url)
        assert response["X-Cache"] == "MISS", url
        assert "Second thoughts" in response.content.decode(), url


def test_a_new_post_appears_on_cached_listings_at_once(client, commit, make_post):
    make_post(title="Old news")
    client.get("/blog/")

    commit(make_post, title="Hot off the press")

    assert "Hot off the press" in text_of(client.get("/blog/"))


def test_unpublishing_takes_the_post_and_its_listing_down(client, commit, make_post):
    post = make_post(title="Regrettable")
    client.get(post.url)
    client.get("/blog/")

    commit(lambda: BlogPage.objects.get(pk=post.pk).unpublish())

    assert client.get(post.url).status_code == 404
    assert "Regrettable" not in text_of(client.get("/blog/"))


def test_moving_a_page_retires_its_old_address(client, commit, home, blog, make_post):
    post = make_post(title="Wanderer")
    old_url = post.url
    client.get(old_url)

    commit(lambda: BlogPage.objects.get(pk=post.pk).move(home, pos="last-child"))

    moved = client.get(old_url)
    assert (moved.status_code, moved["Location"]) == (301, "/wanderer/")
    assert client.get("/wanderer/").status_code == 200


def test_changing_the_menu_retires_every_page(client, commit, home, blog, make_post):
    post = make_post()
    client.get(post.url)

    commit(set_menus, home, [link(label="Reading room", url="/blog/")])

    assert "Reading room" in text_of(client.get(post.url), "header")


def test_editing_a_product_retires_its_page_and_the_posts_that_feature_it(
    client, commit, make_post
):
    product = ProductFactory(title="Dirty Old Town", price=1200)
    post = make_post(body=[{"type": "product", "value": {"product": product.pk}}])
    about_books = make_post(title="No products here")
    for url in [post.url, product.get_absolute_url(), reverse("shop:index"), about_books.url]:
        client.get(url)

    def reprice():
        product.price = 1500
        product.save()

    commit(reprice)

    for url in [post.url, product.get_absolute_url(), reverse("shop:index")]:
        assert "£15.00" in client.get(url).content.decode(), url
    assert client.get(about_books.url)["X-Cache"] == "HIT"


def test_a_sale_of_the_last_copy_leaves_the_page_cached_and_the_figures_say_sold_out(
    client, commit, make_post
):
    product = ProductFactory(stock=1)
    client.get(product.get_absolute_url())
    assert "Add to basket" in text_of(client.get(product.get_absolute_url()))

    commit(Product.objects.filter(pk=product.pk).update_what_is_left, stock=0)

    assert client.get(product.get_absolute_url())["X-Cache"] == "HIT"
    figures = client.get(reverse("shop:basket_count"), {"products": product.pk}).json()
    assert figures["products"][str(product.pk)]["label"] == "Sold out"


def test_a_page_rendered_during_a_publish_is_not_kept_as_current(
    client, commit, make_post, monkeypatch
):
    """Tag versions are read before rendering: a render that overlaps a publish is stored
    under the old version, so the next reader gets a fresh page."""
    post = make_post()
    original = BlogPage.get_context

    def publish_meanwhile(self, request, *args, **kwargs):
        context = original(self, request, *args, **kwargs)
        commit(pagecache.invalidate, pagecache.SITE)
        return context

    monkeypatch.setattr(BlogPage, "get_context", publish_meanwhile)
    assert client.get(post.url)["X-Cache"] == "MISS"
    monkeypatch.setattr(BlogPage, "get_context", original)

    assert client.get(post.url)["X-Cache"] == "MISS"
    assert client.get(post.url)["X-Cache"] == "HIT"


def test_editors_get_fresh_pages_and_never_fill_the_cache(client, make_post):
    post = make_post()
    editor = User.objects.create_superuser("editor", "editor@example.com", "pw")
    client.force_login(editor)

    as_editor = client.get(post.url)
    client.logout()
    as_reader = client.get(post.url)

    assert as_editor.get("X-Cache") is None
    assert "wagtail-userbar" in as_editor.content.decode()
    assert as_reader["X-Cache"] == "MISS"
    assert "wagtail-userbar" not in as_reader.content.decode()


def test_a_password_protected_page_is_never_cached(client, make_post):
    post = make_post(title="Members only")
    PageViewRestriction.objects.create(
        page=post, restriction_type=PageViewRestriction.PASSWORD, password="swordfish"
    )
    form = client.get(post.url)
    action = BeautifulSoup(form.content, "html.parser").select_one("form")["action"]
    client.post(action, {"password": "swordfish", "return_url": post.url})

    unlocked = client.get(post.url)
    stranger = client.__class__().get(post.url)

    assert "Members only" in text_of(unlocked)
    assert unlocked.get("X-Cache") is None
    assert "Members only" not in text_of(stranger, "body")


def test_the_pre_order_form_is_rendered_for_each_visitor(client, home):
    from tests.factories import PreOrderProductFactory, make_preorder_form_page

    PreOrderProductFactory()
    page = make_preorder_form_page(home)
    client.get(page.url)

    assert client.get(page.url).get("X-Cache") is None


def test_switching_the_cache_off_renders_every_page(client, make_post, settings):
    settings.QUIRE_PAGE_CACHE = False
    post = make_post()
    client.get(post.url)

    assert client.get(post.url).get("X-Cache") is None


@pytest.mark.parametrize("accept_encoding", ["", "gzip", "gzip, deflate, br"])
def test_a_page_that_errors_is_never_cached(client, make_post, monkeypatch, accept_encoding):
    """The post is marked public before its rendering fails: the 500 must not be kept."""
    post = make_post(title="Tales of the Unexpected")
    original = BlogPage.get_context

    def failing(self, request, *args, **kwargs):
        original(self, request, *args, **kwargs)
        raise RuntimeError("the database went away mid-render")

    monkeypatch.setattr(BlogPage, "get_context", failing)
    client.raise_request_exception = False
    headers = {"Accept-Encoding": accept_encoding}
    assert client.get(post.url, headers=headers).status_code == 500
    monkeypatch.setattr(BlogPage, "get_context", original)

    recovered = client.get(post.url, headers=headers)
    plain = client.get(post.url)

    assert (recovered.status_code, recovered["X-Cache"]) == (200, "MISS")
    assert "Tales of the Unexpected" in text_of(plain)


@pytest.mark.parametrize("accept_encoding", ["", "gzip", "gzip, deflate, br"])
def test_publishing_again_drops_the_cached_page(client, commit, make_post, accept_encoding):
    """Even a change the cache was never told about (here written straight to the table) is
    shown, in every encoding, once the page is published again."""
    post = make_post(title="First title")
    headers = {"Accept-Encoding": accept_encoding}
    client.get(post.url, headers=headers)
    BlogPage.objects.filter(pk=post.pk).update(title="Quietly corrected")
    assert client.get(post.url, headers=headers)["X-Cache"] == "HIT"

    commit(lambda: BlogPage.objects.get(pk=post.pk).save_revision().publish())
    response = client.get(post.url, headers=headers)

    assert response["X-Cache"] == "MISS"
    assert b"Quietly corrected" in decoded(response)
