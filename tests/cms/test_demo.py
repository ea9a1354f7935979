"""The demo loader builds the site a newcomer sees, and running it again changes nothing."""

import io

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from wagtail.images import get_image_model
from wagtail.models import Page, Revision, Site

from cms.models import BlogPage, HomePage, NavigationSettings


def snapshot():
    site = Site.objects.get(is_default_site=True)
    return {
        "pages": list(Page.objects.order_by("path").values_list("path", "title", "live")),
        "revisions": Revision.objects.count(),
        "images": get_image_model().objects.count(),
        "sites": list(Site.objects.values_list("hostname", "root_page_id")),
        "navigation": NavigationSettings.for_site(site).header_links.get_prep_value(),
    }


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


def test_loading_the_demo_twice_changes_nothing(demo, capsys):
    before = snapshot()

    call_command("load_demo")

    assert snapshot() == before
    assert "nothing changed" in capsys.readouterr().out


def test_demo_replaces_wagtails_welcome_page_with_the_home_page(demo):
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    assert not Page.objects.filter(title__startswith="Welcome to your new Wagtail site").exists()


def test_demo_navigation_ties_blog_and_shop_together(demo, client):
    page = BeautifulSoup(client.get("/").content, "html.parser")

    labels = [a.get_text(" ", strip=True) for a in page.select("nav[aria-label=Main] a")]

    assert labels == ["Blog", "Shop", "Pre-Order Form", "Shopping Basket", "About"]


def test_every_demo_link_in_the_menus_answers(demo, client):
    page = BeautifulSoup(client.get("/").content, "html.parser")
    for anchor in page.select("nav a"):
        assert client.get(anchor["href"]).status_code == 200, anchor["href"]


def test_tales_of_the_unexpected_is_the_first_post_and_quotes_its_source(demo, client):
    post = BlogPage.objects.live().order_by("-date").first()
    assert post.title == "Tales of the Unexpected"

    page = BeautifulSoup(client.get(post.url).content, "html.parser")

    quotes = page.select("figure.quote")
    assert len(quotes) >= 3
    for quote in quotes:
        assert quote.blockquote["cite"].startswith("https://")
        assert quote.find("cite").a["href"] == quote.blockquote["cite"]
        assert "Echo" in quote.figcaption.text
    assert page.select("hr.separator")
    body_blocks = page.select_one(".post-body").find_all(recursive=False)
    assert "embed" in body_blocks[-1]["class"]  # ends with the music video (a link here)
    assert page.select_one(".embed a")["href"].startswith("https://www.youtube.com/")
    assert len(page.select(".share-link")) == 4


def test_every_demo_page_renders(demo, client):
    for page in Page.objects.live().filter(depth__gt=1).specific():
        assert client.get(page.url).status_code == 200, page.url


@pytest.mark.parametrize("mode", ["charge_now", "on_release", "reserve"])
def test_demo_pre_order_terms_hold_whatever_the_charge_mode(demo, client, mode):
    """The form states when each product is paid for; the editor's terms must not say it
    differently for any mode."""
    from shop.models import Product

    Product.objects.filter(slug="dirty-old-town").update(preorder_charge_mode=mode)

    page = BeautifulSoup(client.get("/pre-order/").content, "html.parser")

    terms = page.select_one(".terms").get_text(" ", strip=True).lower()
    for claim in ["free", "nothing is charged", "link to pay", "today", "card", "reserv"]:
        assert claim not in terms, claim
    assert page.select_one(".campaign__payment").text
