"""The demo loader builds the site a newcomer sees, and running it again changes nothing."""

import io
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Page, Revision, Site

from cms import demo_pictures
from cms.demo import MUSIC_VIDEO_URL
from cms.models import BlogPage, HomePage, NavigationSettings, SiteIdentity
from shop.models import Product


def snapshot():
    site = Site.objects.get(is_default_site=True)
    return {
        "pages": list(Page.objects.order_by("path").values_list("path", "title", "live")),
        "revisions": Revision.objects.count(),
        "images": list(
            get_image_model()
            .objects.order_by("pk")
            .values_list("title", "file", "focal_point_x", "focal_point_width")
        ),
        "products": list(Product.objects.order_by("pk").values_list("slug", "cover_image_id")),
        "covers": list(BlogPage.objects.order_by("pk").values_list("slug", "cover_image_id")),
        "sites": list(Site.objects.values_list("hostname", "root_page_id")),
        "navigation": NavigationSettings.for_site(site).header_links.get_prep_value(),
        "writer": SiteIdentity.objects.values_list("author_name", "author_photo_id").get(),
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

    labels = [a.get_text(" ", strip=True) for a in page.select("nav[aria-label=Main] #main-menu a")]

    assert labels == [
        "Blog",
        "Shop",
        "Dirty Old Town",
        "Pre-Order Form",
        "Shopping Basket",
        "About",
    ]


def test_demo_menu_leads_to_the_books_page(demo, client):
    page = BeautifulSoup(client.get("/").content, "html.parser")

    book = page.select_one("nav[aria-label=Main] #main-menu").find("a", string="Dirty Old Town")

    assert book["href"] == Product.objects.get(slug="dirty-old-town").get_absolute_url()
    answer = BeautifulSoup(client.get(book["href"]).content, "html.parser")
    assert answer.h1.get_text(strip=True) == "Dirty Old Town"


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
        # A made-up paper on a reserved domain: plausible, and nobody's real site.
        assert urlsplit(quote.blockquote["cite"]).hostname.endswith(".example")
        assert quote.find("cite").a["href"] == quote.blockquote["cite"]
        assert "Echo" in quote.figcaption.text
    assert page.select("hr.separator")
    body_blocks = page.select_one(".post-body").find_all(recursive=False)
    assert "embed" in body_blocks[-1]["class"]  # ends with the music video (a link here)
    assert page.select_one(".embed a")["href"] == MUSIC_VIDEO_URL
    assert "Dirty Old Town" in page.select_one(".embed a").text  # the song the book is named after
    assert "dQw4w9WgXcQ" not in MUSIC_VIDEO_URL  # no longer the prank video
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


def test_every_page_search_engines_may_index_has_a_description(demo, client):
    """7 of 12 demo pages had none: the blog, its tag and month pages, the shop and the
    Pre-Order Form now describe themselves from their introduction or listing."""
    from shop.models import Product

    urls = ["/", "/blog/", "/blog/tag/music/", "/blog/archive/2026/11/", "/shop/", "/pre-order/"]
    urls += [page.url for page in Page.objects.live().specific() if page.url and page.depth > 1]
    urls += [product.get_absolute_url() for product in Product.objects.visible()]

    missing = []
    for url in sorted(set(urls)):
        html = BeautifulSoup(client.get(url).content, "html.parser")
        description = html.select_one("meta[name=description]")
        if not (description and description["content"].strip()):
            missing.append(url)

    assert missing == []
    tag_page = BeautifulSoup(client.get("/blog/tag/music/").content, "html.parser")
    assert tag_page.select_one("meta[name=description]")["content"].startswith("Posts tagged")


def test_every_demo_product_and_post_has_a_picture(demo):
    assert not Product.objects.filter(cover_image__isnull=True).exists()
    assert not BlogPage.objects.filter(cover_image__isnull=True).exists()
    covers = [post.cover_image_id for post in BlogPage.objects.all()]
    assert len(set(covers)) == len(covers)  # a picture of its own for every post
    assert SiteIdentity.objects.get().author_photo is not None


def test_demo_pictures_have_the_shape_of_the_places_that_show_them(demo):
    """Posts are shown 16:9 (cards) and products square (shop cards), so neither is cropped
    there; what matters in each is marked for the other crops (social cards)."""
    for post in BlogPage.objects.select_related("cover_image"):
        image = post.cover_image
        assert (image.width, image.height) == (1600, 900), post.slug
        assert image.has_focal_point(), post.slug
        assert image.description  # alt text for the image chooser
    for product in Product.objects.select_related("cover_image"):
        image = product.cover_image
        assert image.width == image.height >= 1200, product.slug
        assert image.has_focal_point(), product.slug


def test_demo_pictures_are_drawn_without_any_installed_font(monkeypatch):
    """A machine without DejaVu or Liberation still loads the demo, with Pillow's own font."""
    monkeypatch.setattr(
        demo_pictures,
        "_FONT_FILES",
        {kind: ["no-such-font.ttf"] for kind in demo_pictures._FONT_FILES},
    )

    cover = demo_pictures.book_cover()

    assert cover.size == (800, 1200)
    assert len(set(cover.resize((40, 60)).getdata())) > 50  # drawn, not a blank page


def test_demo_pictures_are_the_same_on_every_load():
    first = demo_pictures.PICTURES["Corner newsagent at night"].draw()
    second = demo_pictures.PICTURES["Corner newsagent at night"].draw()

    assert first.tobytes() == second.tobytes()
    assert isinstance(first, PILImage.Image)


@pytest.mark.parametrize("slug", ["terms", "privacy", "delivery-and-returns"])
def test_policy_pages_are_written_out_once_not_repeated(demo, client, slug):
    """Terms and Privacy were one sentence each, printed twice (as introduction and body)."""
    page = BeautifulSoup(client.get(f"/{slug}/").content, "html.parser")

    intro = page.select_one(".page-header .lede").get_text(strip=True)
    body = page.select_one(".prose").get_text(" ", strip=True)
    assert intro not in body
    assert len(page.select(".prose h2")) >= 2
    assert len(body.split()) > 50


def test_pages_without_pictures_still_render_every_listing(demo, client):
    """An editor may leave any picture out: listings and product pages draw no empty frame."""
    Product.objects.update(cover_image=None)
    BlogPage.objects.update(cover_image=None)

    for url in ["/", "/blog/", "/shop/", "/shop/products/dirty-old-town/"]:
        page = BeautifulSoup(client.get(url).content, "html.parser")
        main = page.select_one("main")
        assert main.select(".post-card, .product-card, .product"), url
        assert not main.select("img[src='']"), url
        assert not main.select(".post-card__image, .product-card__image, .product__cover"), url
