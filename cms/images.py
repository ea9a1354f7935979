"""The renditions each place on the site shows an image at, and how listings prefetch them.

A `{% picture %}` tag takes its filter specs literally, so each template spells out the same
string as the constant here (`tests/cms/test_images.py` checks they agree). Every picture is
WebP with a JPEG fallback; AVIF encodes here but takes three to five times as long as WebP.
Renditions are made when a page is published or a product saved (cms.renditions), from the
same constants; a place that asks for one not made yet makes it then.

Listings and bodies prefetch every rendition of their images (`prefetch_related(
"cover_image__renditions")`), never only those of these specs: Wagtail takes a prefetched
`renditions` as the whole truth and creates any rendition it does not find there, with a
`get_or_create` on that same narrowed queryset, so a narrowed prefetch made the admin's chooser
thumbnail, which already existed, be inserted again (IntegrityError on reopening a post). An
image has a handful of renditions; reading them all costs nothing worth saving.

The first size in each spec becomes the fallback `<img>`'s `src`, `width` and `height`, which
give the image its aspect ratio and the widest it is drawn, so it is the largest; the others
only feed `srcset`.

Building a picture's markup is Wagtail's filter parsing and rendition lookup for each of its
specs, about 1.4 ms a picture: a search page of ten cards spent a quarter of its time there.
Each process remembers the markup it built (the "pictures" cache), keyed by every field of the
image the markup depends on, so an image edited, replaced or re-uploaded is a new key and
nothing ever needs retiring. (Renditions purged by hand with Wagtail's management command
leave remembered markup pointing at them until the processes restart.)
"""

import hashlib

from django.core.cache import caches
from django.utils.safestring import SafeString, mark_safe
from wagtail.images.models import AbstractImage, Filter, Picture, SourceImageIOError
from wagtail.images.shortcuts import get_renditions_or_not_found

# Post body images, up to the 38rem text column.
FIGURE = "format-{webp,jpeg} width-{1200,800,400}"
# A post's cover, up to the 65.5rem page width.
COVER = "format-{webp,jpeg} width-{1600,1200,800,400}"
# Post cards in listings and on the home page, 16:9.
POST_CARD = "format-{webp,jpeg} fill-{720x405,480x270,320x180}"
# The feed's cover image: feed readers get one plain image.
FEED_COVER = "width-1200"
# The writer's picture in the box under each post, 6rem round (cms.models.SiteIdentity).
AUTHOR_PHOTO = "format-{webp,jpeg} fill-{192x192,96x96}"
# Social cards stay JPEG for crawlers that read nothing newer; transparency becomes paper.
SOCIAL_CARD = "fill-1200x630 format-jpeg bgcolor-fffaf2"


def picture_markup(image: AbstractImage, spec: str, attrs: dict) -> SafeString:
    """Wagtail's `{% picture image spec attrs %}`, minus repeated widths, remembered.

    Wagtail never enlarges an image, so a picture narrower than a spec's largest width gets
    several renditions of the same width, and `srcset` lists that width twice: invalid HTML,
    and a choice the browser cannot make. Only the first rendition of each width (per format)
    is kept; the first of all stays the fallback `<img>`, which gives the picture its size.
    """
    remembered = caches["pictures"]
    key = _picture_key(image, spec, attrs)
    markup = remembered.get(key)
    if markup is None:
        specs = Filter.expand_spec(spec)
        try:
            renditions, readable = image.get_renditions(*specs), True
        except SourceImageIOError:
            # The original could not be read: drawn as Wagtail's broken-picture stand-ins this
            # time, never remembered, so the next request tries again.
            renditions, readable = get_renditions_or_not_found(image, specs), False
        markup = str(Picture(_distinct_widths(renditions), attrs).__html__())
        if readable:
            remembered.set(key, markup)
    return mark_safe(markup)


def _distinct_widths(renditions: dict) -> dict:
    widths_seen = set()
    distinct = {}
    for filter_spec, rendition in renditions.items():
        image_format = next(
            (part for part in filter_spec.split("|") if part.startswith("format-")), ""
        )
        if (image_format, rendition.width) not in widths_seen:
            widths_seen.add((image_format, rendition.width))
            distinct[filter_spec] = rendition
    return distinct


def _picture_key(image: AbstractImage, spec: str, attrs: dict) -> str:
    """Everything a picture's markup is made of: the image as stored (its file, size, focal
    point, and the title and description its alt text falls back to), the spec and the
    attributes. `created_at` tells apart an image deleted and another made with its id."""
    facts = (
        image.pk,
        image.created_at,
        image.file.name,
        image.file_hash,
        image.width,
        image.height,
        image.focal_point_x,
        image.focal_point_y,
        image.focal_point_width,
        image.focal_point_height,
        image.title,
        image.description,
        spec,
        sorted((name, repr(value)) for name, value in attrs.items()),
    )
    return "picture:" + hashlib.sha256(repr(facts).encode()).hexdigest()
