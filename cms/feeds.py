"""RSS 2.0 and Atom feeds of the latest posts, with the summary and the full article."""

import re
from datetime import datetime, time

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from wagtail.models import Site

from cms.models import BlogPage

_RELATIVE_URL = re.compile(r'(\s(?:href|src)=")/(?!/)')


def absolutize(html: str, root_url: str) -> str:
    """Feed readers show posts away from the site, so site-relative links must become absolute."""
    return _RELATIVE_URL.sub(rf"\1{root_url}/", html)


class RssWithContent(Rss201rev2Feed):
    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content"])


class AtomWithContent(Atom1Feed):
    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


class LatestPostsFeed(Feed):
    feed_type = RssWithContent
    limit = 20

    def get_object(self, request):
        self.request = request
        site = Site.find_for_request(request)
        if site is None:
            raise Http404("No site is configured for this host.")
        return site

    def title(self, site):
        return site.site_name or "Quire"

    def link(self, site):
        return self.request.build_absolute_uri("/")

    def description(self, site):
        return f"The latest posts from {self.title(site)}."

    def items(self, site):
        return (
            BlogPage.objects.live()
            .public()
            .in_site(site)
            .for_listing(with_body=True)
            .prefetch_related("tagged_items__tag")[: self.limit]
        )

    def item_title(self, post):
        return post.title

    def item_description(self, post):
        return post.intro

    def item_link(self, post):
        return post.absolute_url(self.request)

    def item_pubdate(self, post):
        # Posts carry a date, not a time: midnight in the site's time zone.
        return timezone.make_aware(datetime.combine(post.date, time.min))

    def item_updateddate(self, post):
        return post.last_published_at

    def item_author_name(self, post):
        return post.author or None

    def item_categories(self, post):
        return [tagged.tag.name for tagged in post.tagged_items.all()]

    def item_extra_kwargs(self, post):
        html = render_to_string(
            "cms/feed_item.html", {"page": post, "request": self.request}, request=self.request
        )
        return {"content": absolutize(html, self.request.build_absolute_uri("/").rstrip("/"))}


class LatestPostsAtomFeed(LatestPostsFeed):
    feed_type = AtomWithContent
    subtitle = LatestPostsFeed.description
