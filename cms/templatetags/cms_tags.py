import json

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from wagtail.admin.templatetags.wagtailuserbar import wagtailuserbar

from cms import seo, sharing

register = template.Library()

_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def absolute_page_url(context, page) -> str:
    return page.absolute_url(context["request"])


@register.simple_tag
def share_links_for(url: str, title: str) -> list[sharing.ShareLink]:
    return sharing.share_links(url, title)


@register.simple_tag(takes_context=True)
def absolute_url(context, url: str) -> str:
    """`url` as an absolute URL on this site (social cards and JSON-LD need absolute URLs)."""
    if not url or url.startswith(("http://", "https://")):
        return url
    return context["request"].build_absolute_uri(url)


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """This page's address without tracking or filter parameters; only ?page=N is kept."""
    request = context["request"]
    url = request.build_absolute_uri(request.path)
    page_number = request.GET.get("page")
    if page_number and page_number.isdigit() and page_number != "1":
        url += f"?page={page_number}"
    return url


@register.simple_tag(takes_context=True)
def blog_posting_jsonld(context, page, image_url=None):
    return jsonld(seo.blog_posting(page, context["request"], image_url))


@register.simple_tag
def jsonld(data) -> str:
    """Structured data in a `<script type="application/ld+json">`, with <, > and & escaped so
    that no value (a title an editor typed) can close the script."""
    payload = json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


def _leads_to(href: str, path: str) -> bool:
    """Whether `path` is the page `href` points at or lies in the section it opens."""
    if not href or href.startswith(("http://", "https://", "mailto:")):
        return False
    if href == "/":
        return path == "/"
    return path == href or path.startswith(href.rstrip("/") + "/")


@register.filter
def current_href(links, path: str) -> str:
    """The href of the menu link for the current page: the most specific one that leads to it,
    so the basket (/shop/basket/) is marked rather than the shop (/shop/) as well."""
    matches = [link.href for link in links if _leads_to(link.href, path)]
    return max(matches, key=len, default="")


@register.simple_tag(takes_context=True)
def editor_userbar(context) -> str:
    """Wagtail's userbar for signed-in editors. A visitor without a session cookie cannot be
    signed in, so their page is rendered without reading the session: it stays free of
    `Vary: Cookie` and the same for every reader (see cms.pagecache)."""
    request = context.get("request")
    if request is None or settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return ""
    return wagtailuserbar(context)
