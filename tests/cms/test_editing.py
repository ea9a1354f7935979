"""Editors reopen, preview and save what they wrote: posts with pictures, every page type, and
every block in the block picker."""

import pytest
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.models import get_page_models
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from cms.blocks import BodyBlock
from cms.models import BlogPage
from tests.factories import ProductFactory, make_image

pytestmark = pytest.mark.django_db


def figure(image):
    return {
        "type": "image",
        "value": {
            "image": {"image": image.pk, "decorative": False, "alt_text": "A lock gate"},
            "caption": "The lock at dusk",
        },
    }


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def test_a_post_with_a_picture_reopens_for_editing_again_and_again(admin_client, client, make_post):
    post = make_post(body=[figure(make_image("Lock gate"))])
    assert client.get(post.url).status_code == 200  # a reader's view makes the body's sizes

    for _ in range(3):  # the first visit makes the chooser's thumbnail; later ones must find it
        response = admin_client.get(edit_url(post))
        assert response.status_code == 200
        assert "A lock gate" in response.content.decode()


def test_a_prefetched_body_image_still_finds_renditions_made_for_other_sizes(make_post):
    image = make_image("Lock gate")
    thumbnail = image.get_rendition("max-165x165")  # the admin chooser's size
    post = make_post(body=[figure(image)])

    pictured = BlogPage.objects.get(pk=post.pk).body[0].value["image"]

    assert pictured.get_rendition("max-165x165").pk == thumbnail.pk
    assert get_image_model().get_rendition_model().objects.count() == 1


def tag_names(page):
    return ", ".join(tag.name for tag in page.tags.all()) if hasattr(page, "tags") else ""


def test_a_saved_post_with_tags_previews(admin_client, make_post):
    post = make_post(tags=["Canal"], body=[figure(make_image("Lock gate"))])
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[post.pk])
    data = nested_form_data(
        {
            "title": "A new title for the preview",
            "slug": post.slug,
            "date": "2026-11-20",
            "author": post.author,
            "intro": post.intro,
            "tags": "Canal, Council",
            "cover_image": "",
            "body": streamfield([("paragraph", rich_text("<p>Draft words.</p>"))]),
        }
    )

    assert admin_client.post(url, data).json()["is_valid"]
    response = admin_client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "A new title for the preview" in html
    assert 'href="/blog/tag/council/"' in html


def test_an_unsaved_post_with_tags_previews(admin_client, blog):
    url = reverse("wagtailadmin_pages:preview_on_add", args=["cms", "blogpage", blog.pk])
    data = nested_form_data(
        {
            "title": "Not saved yet",
            "slug": "not-saved-yet",
            "date": "2026-11-20",
            "intro": "Preview.",
            "tags": "Canal",
            "body": streamfield([("paragraph", rich_text("<p>Draft words.</p>"))]),
        }
    )

    assert admin_client.post(url, data).json()["is_valid"]
    response = admin_client.get(url)

    assert response.status_code == 200
    assert 'href="/blog/tag/canal/"' in response.content.decode()


def test_the_view_draft_link_shows_a_posts_latest_revision(admin_client, make_post):
    post = make_post(tags=["Canal"])
    post.title = "Drafted but not published"
    post.save_revision()

    response = admin_client.get(reverse("wagtailadmin_pages:view_draft", args=[post.pk]))

    assert response.status_code == 200
    assert "Drafted but not published" in response.content.decode()


def quire_page_models():
    return [model for model in get_page_models() if model._meta.app_label in {"cms", "shop"}]


@pytest.mark.parametrize("model", quire_page_models(), ids=lambda model: model.__name__)
def test_every_page_type_previews_its_saved_version(admin_client, model, home, blog, make_post):
    """'View draft' renders the page as it is stored, with nothing routed before it."""
    from tests.factories import StandardPageFactory

    existing = {
        "HomePage": lambda: home,
        "BlogIndexPage": lambda: blog,
        "BlogPage": lambda: make_post(tags=["Canal"]),
        "StandardPage": lambda: StandardPageFactory(parent=home),
        "PreOrderFormPage": lambda: pre_order_form(home),
    }
    page = existing[model.__name__]()

    response = admin_client.get(reverse("wagtailadmin_pages:view_draft", args=[page.pk]))

    assert response.status_code == 200, model


def pre_order_form(home):
    from shop.models import PreOrderFormPage

    page = PreOrderFormPage(title="Pre-Order Form", slug="pre-order", terms="<p>Terms.</p>")
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.mark.parametrize("name", list(BodyBlock.base_blocks))
def test_every_body_block_has_a_preview_in_the_block_picker(name):
    block = BodyBlock.base_blocks[name]

    assert block.is_previewable


@pytest.mark.parametrize("name", list(BodyBlock.base_blocks))
def test_every_body_block_preview_shows_something(name):
    make_image("The newest picture")
    ProductFactory(title="Dirty Old Town", status="on_sale")
    block = BodyBlock.base_blocks[name]

    html = block.render(block.get_preview_value()).strip()

    assert html
    if name == "image":
        assert "<picture" in html
    if name == "product":
        assert "Dirty Old Town" in html


def test_the_product_preview_has_an_example_when_the_shop_is_empty():
    block = BodyBlock.base_blocks["product"]

    assert "Your product" in block.render(block.get_preview_value())
