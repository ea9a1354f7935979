"""The renditions the shop shows product images at (see `cms.images` for how specs are read).

Product pictures are never cropped: each is drawn whole inside a square tile (CSS
`object-fit: contain`), so a tall book cover and a wide tote bag both show all their artwork."""

# Product cards on the shop index, as wide as their grid column.
PRODUCT_CARD = "format-{webp,jpeg} max-{800x800,480x480,320x320}"
# Cover and gallery on a product page, up to half the page width.
PRODUCT_MEDIA = "format-{webp,jpeg} max-{1080x1080,720x720,480x480}"
# The gallery's thumbnails under it, 4.5rem square.
PRODUCT_THUMBNAIL = "max-160x160 format-webp"
# A line in the basket, 4.5rem square.
BASKET_THUMBNAIL = "format-{webp,jpeg} max-{160x160,80x80}"
# A product featured in an article, 8rem square.
FEATURED_PRODUCT = "format-{webp,jpeg} fill-{256x256,128x128}"
