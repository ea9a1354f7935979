"""The sitemap: every public page, the shop and its products, each at the address the crawler
asked for (as the canonical links on the pages themselves are), not the host name stored on
Wagtail's Site, which is `localhost` until someone changes it in the admin."""

from __future__ import annotations

from wagtail.contrib.sitemaps import Sitemap as PagesSitemap


class ListedAtTheVisitedAddress:
    """For page classes: the sitemap entry's address is built like the page's canonical URL."""

    def get_sitemap_urls(self, request=None):
        entries = super().get_sitemap_urls(request)
        if request is not None:
            for entry in entries:
                entry["location"] = request.build_absolute_uri(self.get_url(request))
        return entries


def sitemaps() -> dict:
    from shop.sitemaps import ShopSitemap

    return {"pages": PagesSitemap, "shop": ShopSitemap}
