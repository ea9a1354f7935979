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
"""

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
