"""The renditions the shop shows product images at (see `cms.images` for how specs are read)."""

# Product cards on the shop index, square, as wide as their grid column.
PRODUCT_CARD = "format-{webp,jpeg} fill-{800x800,480x480,320x320}"
# Cover and gallery on a product page, up to half the page width.
PRODUCT_MEDIA = "format-{webp,jpeg} width-{1080,720,480}"
# A product featured in an article, 8rem square.
FEATURED_PRODUCT = "format-{webp,jpeg} fill-{256x256,128x128}"
