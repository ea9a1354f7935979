"""Images are served as <picture>: WebP with a JPEG fallback, srcset widths, no layout shift,
lazy below the fold and eager for the lead image, at a query cost that ignores their number."""

import datetime
import re
from io import BytesIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.images.rect import Rect

from cms import images
from shop import images as shop_images
from tests.cms.test_query_counts import count_queries
from tests.factories import make_image

pytestmark = pytest.mark.django_db

LARGE = (1600, 900)


def figure(image, alt="A towpath"):
    return {
        "type": "image",
        "value": {
            "image": {"image": image.pk, "decorative": False, "alt_text": alt},
            "caption": "",
        },
    }


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def srcset_widths(srcset: str) -> list[int]:
    return [int(width) for width in re.findall(r" (\d+)w", srcset)]


def test_post_body_image_is_a_webp_picture_with_a_jpeg_fallback(client, make_post):
    post = make_post(body=[figure(make_image("Towpath", size=LARGE))])

    picture = soup(client.get(post.url)).select_one(".post-body picture")

    source = picture.find("source")
    assert source["type"] == "image/webp"
    assert srcset_widths(source["srcset"]) == [1200, 800, 400]
    assert source["sizes"] == picture.img["sizes"]
    img = picture.img
    assert img["src"].endswith(".jpg")
    assert srcset_widths(img["srcset"]) == [1200, 800, 400]
    assert (img["width"], img["height"]) == ("1200", "675")
    assert img["alt"] == "A towpath"
    assert img["loading"] == "lazy"
    assert img["decoding"] == "async"


def test_post_cover_is_the_lead_image_fetched_first_not_lazily(client, make_post):
    post = make_post(cover_image=make_image("Cover", size=LARGE))

    img = soup(client.get(post.url)).select_one(".cover picture img")

    assert img.get("loading") != "lazy"
    assert img["fetchpriority"] == "high"
    assert srcset_widths(img["srcset"]) == [1600, 1200, 800, 400]
    assert img.find_previous_sibling("source")["type"] == "image/webp"


def test_every_image_on_a_post_has_width_and_height(client, make_post):
    from tests.factories import ProductFactory

    product = ProductFactory(cover_image=make_image("Tote", size=LARGE))
    post = make_post(
        cover_image=make_image("Cover", size=LARGE),
        body=[
            figure(make_image("One", size=LARGE)),
            {"type": "product", "value": {"product": product.pk, "note": ""}},
            figure(make_image("Two", size=(400, 600))),
        ],
    )

    imgs = soup(client.get(post.url)).find_all("img")

    assert len(imgs) == 4
    for img in imgs:
        assert int(img["width"]) > 0 and int(img["height"]) > 0
        assert img.parent.name == "picture"


def test_only_the_first_card_in_the_blog_listing_loads_eagerly(client, blog, make_post):
    for n in range(3):
        make_post(
            date=datetime.date(2026, 1, 1) + datetime.timedelta(days=n),
            cover_image=make_image(f"Cover {n}", size=LARGE),
        )

    imgs = soup(client.get(blog.url)).select(".post-card picture img")

    assert [img["loading"] for img in imgs] == ["eager", "lazy", "lazy"]
    assert imgs[0]["fetchpriority"] == "high"
    assert all(srcset_widths(img["srcset"]) == [720, 480, 320] for img in imgs)
    assert all((img["width"], img["height"]) == ("720", "405") for img in imgs)


def test_the_first_card_with_a_picture_loads_eagerly_when_the_newest_post_has_none(
    client, blog, make_post
):
    """Marking the first card left every picture lazy, the largest one included, when the
    newest post had no cover."""
    make_post(date=datetime.date(2026, 1, 3))
    for n in range(2):
        make_post(
            date=datetime.date(2026, 1, 1) + datetime.timedelta(days=n),
            cover_image=make_image(f"Cover {n}", size=LARGE),
        )

    imgs = soup(client.get(blog.url)).select(".post-card picture img")

    assert [img["loading"] for img in imgs] == ["eager", "lazy"]
    assert imgs[0]["fetchpriority"] == "high"


def test_without_a_featured_picture_the_first_latest_post_picture_leads_the_home_page(
    client, home, make_post
):
    posts = [make_post(cover_image=make_image(f"Cover {n}", size=LARGE)) for n in range(2)]
    home.featured_post = make_post(title="No picture", date=datetime.date(2020, 1, 1))
    home.save_revision().publish()

    page = soup(client.get("/"))

    assert page.select_one(".featured picture") is None
    assert [img["loading"] for img in page.select(".post-grid picture img")] == [
        "eager",
        "lazy",
    ]
    assert len(posts) == 2


def test_the_featured_post_leads_the_home_page_and_the_latest_posts_are_lazy(
    client, home, make_post
):
    posts = [make_post(cover_image=make_image(f"Cover {n}", size=LARGE)) for n in range(3)]
    home.featured_post = posts[0]
    home.save_revision().publish()

    page = soup(client.get("/"))

    assert page.select_one(".featured picture img")["loading"] == "eager"
    assert [img["loading"] for img in page.select(".post-grid picture img")] == ["lazy", "lazy"]


def test_a_picture_narrower_than_the_largest_size_lists_each_width_once(client, make_post):
    """Wagtail never enlarges: a 1,000 px cover made the 1,600 and 1,200 renditions both
    1,000 px wide, and `srcset` said "1000w" twice (invalid HTML)."""
    post = make_post(cover_image=make_image("Narrow", size=(1000, 600)))

    picture = soup(client.get(post.url)).select_one(".cover picture")

    for srcset in (picture.source["srcset"], picture.img["srcset"]):
        assert srcset_widths(srcset) == [1000, 800, 400]
    assert (picture.img["width"], picture.img["height"]) == ("1000", "600")


def test_a_picture_drawn_again_is_remembered_without_reading_its_renditions(
    django_assert_num_queries,
):
    make_image("Towpath", size=LARGE)
    first, again = Image.objects.all(), Image.objects.all()  # as two requests would read it
    drawn = images.picture_markup(first.get(), images.FIGURE, {"sizes": "100vw"})
    image = again.get()

    with django_assert_num_queries(0):
        assert images.picture_markup(image, images.FIGURE, {"sizes": "100vw"}) == drawn
    assert images.picture_markup(image, images.FIGURE, {"sizes": "50vw"}) != drawn


def test_an_image_given_a_new_focal_point_is_drawn_from_its_new_crops():
    image = make_image("Lock gates", size=LARGE)
    before = images.picture_markup(image, images.POST_CARD, {})

    image.set_focal_point(Rect(1200, 0, 1600, 400))
    image.save()
    after = images.picture_markup(Image.objects.get(pk=image.pk), images.POST_CARD, {})

    urls = set(re.findall(r'(/media/[^" ]+)', after))
    assert urls and urls.isdisjoint(re.findall(r'(/media/[^" ]+)', before))
    stored = {rendition.url for rendition in image.renditions.all()}
    assert urls <= stored


def test_an_image_retitled_is_drawn_with_its_new_alt_text():
    image = make_image("Canal at dusk", size=LARGE)
    assert 'alt="Canal at dusk"' in images.picture_markup(image, images.FIGURE, {})

    image.title = "Canal at dawn"
    image.save()

    assert 'alt="Canal at dawn"' in images.picture_markup(image, images.FIGURE, {})


def test_a_picture_whose_original_cannot_be_read_is_drawn_again_once_it_can():
    image = make_image("Towpath", size=LARGE)
    original = Path(image.file.path)
    away = original.with_name(original.name + ".away")
    original.rename(away)  # the storage lost it for a moment
    assert "not-found" in images.picture_markup(image, images.FIGURE, {})

    away.rename(original)

    drawn = images.picture_markup(Image.objects.get(pk=image.pk), images.FIGURE, {})
    assert "not-found" not in drawn and 'width="1200"' in drawn


def test_webp_and_jpeg_renditions_are_really_those_formats(client, make_post):
    post = make_post(body=[figure(make_image("Towpath", size=LARGE))])
    picture = soup(client.get(post.url)).select_one(".post-body picture")

    webp_url = picture.source["srcset"].split(" ")[0]
    jpeg_url = picture.img["src"]

    for url, expected in [(webp_url, "WEBP"), (jpeg_url, "JPEG")]:
        path = Path(settings.MEDIA_ROOT) / url.removeprefix(settings.MEDIA_URL)
        with PILImage.open(path) as opened:
            assert opened.format == expected
            assert opened.size == (1200, 675)


def test_social_card_is_a_jpeg_with_its_size(client, make_post):
    post = make_post(cover_image=make_image("Cover", size=LARGE))

    page = soup(client.get(post.url))

    meta = {tag["property"]: tag["content"] for tag in page.find_all("meta", property=True)}
    assert meta["og:image"].endswith(".jpg")
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")


@pytest.mark.parametrize(
    "template, spec",
    [
        ("cms/blocks/figure_block.html", images.FIGURE),
        ("cms/blog_page.html", images.COVER),
        ("includes/post_card.html", images.POST_CARD),
        ("includes/author_box.html", images.AUTHOR_PHOTO),
        ("cms/feed_item.html", images.FEED_COVER),
        ("includes/meta.html", images.SOCIAL_CARD),
        ("shop/product_detail.html", images.SOCIAL_CARD),
        ("shop/product_detail.html", shop_images.PRODUCT_MEDIA),
        ("shop/product_detail.html", shop_images.PRODUCT_THUMBNAIL),
        ("shop/includes/product_card.html", shop_images.PRODUCT_CARD),
        ("shop/basket.html", shop_images.BASKET_THUMBNAIL),
        ("shop/blocks/featured_product_block.html", shop_images.FEATURED_PRODUCT),
    ],
)
def test_templates_ask_for_the_renditions_named_in_the_image_modules(template, spec):
    """Each place's sizes are named once (cms/images.py, shop/images.py), so what the site
    draws an image at is known without reading every template."""
    text = (Path(settings.BASE_DIR) / "templates" / template).read_text()

    assert f" {spec} " in text or f'"{spec}"' in text  # {% image %}, {% responsive_picture %}


def test_a_post_with_many_images_costs_the_same_queries_as_one_with_one(client, make_post):
    one = make_post(cover_image=make_image("Cover", size=LARGE), body=[figure(make_image("Only"))])
    many = make_post(
        cover_image=make_image("Other cover", size=LARGE),
        body=[figure(make_image(f"Picture {n}")) for n in range(8)],
    )

    assert count_queries(client, many.url) == count_queries(client, one.url)


def test_a_listing_of_posts_with_their_own_covers_costs_the_same_as_one_post(
    client, blog, make_post
):
    make_post(cover_image=make_image("First cover"))
    with_one = {url: count_queries(client, url) for url in (blog.url, "/")}
    for n in range(7):
        make_post(cover_image=make_image(f"Cover {n}"))

    assert {url: count_queries(client, url) for url in (blog.url, "/")} == with_one


def png_upload(name: str, size: tuple[int, int]):
    """A PNG of `size` pixels that is only a few kilobytes: one colour, one bit a pixel."""
    data = BytesIO()
    PILImage.new("1", size).save(data, "PNG")
    return SimpleUploadedFile(name, data.getvalue(), content_type="image/png")


def test_an_image_of_too_many_megapixels_is_refused_on_upload_with_the_limit(admin_client):
    """A 121-megapixel upload made one rendition take seconds and hundreds of megabytes."""
    response = admin_client.post(
        "/admin/images/add/", {"title": "Panorama", "file": png_upload("huge.png", (11000, 11000))}
    )

    assert response.status_code == 200
    page_text = " ".join(soup(response).get_text().split())
    assert (
        "This image has 121000000 pixels; images of up to 40 megapixels (40000000 pixels) can be"
        " uploaded. Scale it down and upload it again."
    ) in page_text
    assert not Image.objects.exists()


def test_an_ordinary_photo_still_uploads(admin_client):
    response = admin_client.post(
        "/admin/images/add/", {"title": "Towpath", "file": png_upload("towpath.png", (4000, 3000))}
    )

    assert response.status_code == 302
    assert Image.objects.get().width == 4000


def test_the_multiple_uploader_refuses_it_with_the_same_message(admin_client):
    """The admin's usual way in ("Add images") uploads each file on its own request."""
    response = admin_client.post(
        "/admin/images/multiple/add/",
        {"files[]": png_upload("huge.png", (11000, 11000))},
        headers={"X-Requested-With": "XMLHttpRequest"},
    )

    answer = response.json()
    assert answer["success"] is False
    assert "Scale it down and upload it again." in answer["error_message"]
    assert not Image.objects.exists()
