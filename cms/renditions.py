"""Picture sizes are made when a page is published or a product saved, not on a reader's view.

Each place a picture is shown asks for its own renditions (cms.images, shop.images): a post's
cover alone is shown at a dozen, and each takes tens of milliseconds to encode, so the first
reader of a new post used to wait for all of them. Publishing enqueues a background task that
makes every rendition the page's places will ask for (and a saved product's), after the change
commits; Wagtail's `get_renditions` makes only the missing ones, so running it again is cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial

from django.conf import settings
from django.db import transaction
from django_tasks import task
from wagtail.images.models import Filter

from cms import images

# Where a post's cover is shown: its page, listings and cards, the feed, the social card.
_COVER_PLACES = [images.COVER, images.POST_CARD, images.FEED_COVER, images.SOCIAL_CARD]


def _body(stream) -> Iterator[tuple[object, str]]:
    from shop import images as shop_images

    for block in stream or []:
        if block.block_type == "image" and block.value.get("image"):
            yield block.value["image"], images.FIGURE
        elif block.block_type == "product":
            product = block.value.get("product")
            if product is not None and product.cover_image:
                yield product.cover_image, shop_images.FEATURED_PRODUCT


def shown_on_page(page) -> list[tuple[object, str]]:
    """(image, spec) for every picture the page shows, at each size its places use."""
    shown = []
    cover = getattr(page, "cover_image", None)
    if cover is not None:
        shown += [(cover, spec) for spec in _COVER_PLACES]
    social = getattr(page, "social_image", None)
    if social is not None:
        shown.append((social, images.SOCIAL_CARD))
    shown += _body(getattr(page, "body", None))
    return shown


def shown_for_product(product) -> list[tuple[object, str]]:
    from shop import images as shop_images

    pictures = [product.cover_image] if product.cover_image else []
    pictures += [item.image for item in product.gallery_images.all() if item.image]
    in_the_gallery = (shop_images.PRODUCT_MEDIA, shop_images.PRODUCT_THUMBNAIL)
    shown = [(picture, spec) for picture in pictures for spec in in_the_gallery]
    if product.cover_image:
        elsewhere = (
            shop_images.PRODUCT_CARD,
            shop_images.BASKET_THUMBNAIL,
            shop_images.FEATURED_PRODUCT,
            images.SOCIAL_CARD,
        )
        shown += [(product.cover_image, spec) for spec in elsewhere]
    return shown


def make(shown: Iterable[tuple[object, str]]) -> int:
    """Make the missing renditions; how many pictures were looked at."""
    by_image: dict[int, tuple[object, list[str]]] = {}
    for image, spec in shown:
        by_image.setdefault(image.pk, (image, []))[1].extend(Filter.expand_spec(spec))
    for image, specs in by_image.values():
        image.get_renditions(*dict.fromkeys(specs))
    return len(by_image)


@task()
def make_for_page(page_id: int) -> int:
    from wagtail.models import Page

    page = Page.objects.filter(pk=page_id).first()
    return make(shown_on_page(page.specific)) if page is not None else 0


@task()
def make_for_product(product_id: int) -> int:
    from shop.models import Product

    product = Product.objects.filter(pk=product_id).first()
    return make(shown_for_product(product)) if product is not None else 0


def when_published(sender, instance, **kwargs) -> None:
    if settings.QUIRE_RENDITIONS_ON_PUBLISH:
        transaction.on_commit(partial(make_for_page.enqueue, instance.pk), robust=True)


def when_product_saved(sender, instance, **kwargs) -> None:
    if settings.QUIRE_RENDITIONS_ON_PUBLISH:
        transaction.on_commit(partial(make_for_product.enqueue, instance.pk), robust=True)


def connect() -> None:
    from django.db.models.signals import post_save
    from wagtail.signals import page_published

    from shop.models import Product

    page_published.connect(when_published, dispatch_uid="quire-renditions-publish")
    post_save.connect(when_product_saved, sender=Product, dispatch_uid="quire-renditions-product")
