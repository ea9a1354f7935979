"""Publishing a post, or saving a product, makes the picture sizes its places show, so a
reader's first view waits for none."""

import pytest
from wagtail.images import get_image_model

from tests.factories import ProductFactory, make_image


def get_rendition_model():
    return get_image_model().get_rendition_model()


@pytest.fixture(autouse=True)
def as_in_production(settings):
    settings.QUIRE_PAGE_CACHE = False  # every view renders
    settings.QUIRE_RENDITIONS_ON_PUBLISH = True  # off for the rest of the suite (test.py)


def figure(image):
    return {
        "type": "image",
        "value": {
            "image": {"image": image.pk, "alt_text": "A canal", "decorative": False},
            "caption": "",
        },
    }


def test_a_reader_s_first_view_of_a_new_post_makes_no_picture(
    client, make_post, django_capture_on_commit_callbacks
):
    cover, inside = make_image("Cover", (1800, 1000)), make_image("Inside", (1400, 900))
    with django_capture_on_commit_callbacks(execute=True):  # the background task runs
        post = make_post(title="Pictured", cover_image=cover, body=[figure(inside)])
    made = get_rendition_model().objects.count()

    assert client.get(post.url).status_code == 200

    assert made > 0
    assert get_rendition_model().objects.count() == made
    assert client.get(post.get_parent().url).status_code == 200  # the blog's cards too
    assert get_rendition_model().objects.count() == made


def test_saving_a_product_makes_the_sizes_of_its_card_and_page(
    client, home, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        product = ProductFactory(cover_image=make_image("Tote", (1200, 1200)))
    made = get_rendition_model().objects.count()

    client.get(product.get_absolute_url())
    client.get("/shop/")

    assert made > 0
    assert get_rendition_model().objects.count() == made
