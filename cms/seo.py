"""Structured data (JSON-LD) describing pages to search engines."""

from django.http import HttpRequest
from wagtail.models import Site

from cms.models import BlogPage


def blog_posting(page: BlogPage, request: HttpRequest, image_url: str | None) -> dict:
    """schema.org BlogPosting for a post, with absolute URLs."""
    url = page.absolute_url(request)
    site = Site.find_for_request(request)  # cached on the request, unlike page.get_site()
    site_name = (site.site_name if site else "") or "Quire"
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": page.title[:110],
        "description": page.intro,
        "datePublished": page.date.isoformat(),
        "wordCount": page.word_count,
        "publisher": {"@type": "Organization", "name": site_name},
    }
    if page.last_published_at:
        data["dateModified"] = page.last_published_at.isoformat()
    if page.author:
        data["author"] = {"@type": "Person", "name": page.author}
    if image_url:
        data["image"] = image_url
    return data
