"""The shop's place in the sitemap: its front page and every product the public may see."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from shop.models import Product


class ShopSitemap(Sitemap):
    """Django builds each address from the request's host and scheme, like the pages'."""

    def items(self):
        return ["shop", *Product.objects.visible().order_by("title")]

    def location(self, item) -> str:
        return reverse("shop:index") if item == "shop" else item.get_absolute_url()

    def lastmod(self, item):
        if item == "shop":
            return (
                Product.objects.visible()
                .order_by("-updated_at")
                .values_list("updated_at", flat=True)
                .first()
            )
        return item.updated_at
