import json
from collections.abc import Iterable

from django import template
from django.conf import settings
from django.utils.encoding import escape_uri_path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from wagtail.admin.templatetags.wagtailuserbar import wagtailuserbar

from cms import images, seo, sharing

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
    # The path joined to the site's root, escaped: a path starting "//" is not a host name.
    url = request.build_absolute_uri("/")[:-1] + escape_uri_path(request.path)
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


@register.simple_tag
def first_with_cover(*groups):
    """The first post or product with a cover image among single items and lists, in order:
    the one listing picture to load eagerly (and with high priority), since it is the page's
    largest picture above the fold. Marking the first card instead left every picture lazy
    when that card had none."""
    for group in groups:
        for item in group if isinstance(group, Iterable) else [group]:
            if item is not None and getattr(item, "cover_image_id", None):
                return item
    return None


@register.simple_tag
def archive_links(months: list[dict], blog_url: str, current_path: str = "") -> str:
    """The blog's archive, one list item per month. Built here rather than in a template
    loop: a blog of 15 years has 180 months, and the template's variable lookups for them
    cost more than the rest of a listing page."""
    return format_html_join(
        "\n",
        '<li><a href="{}{}"{}>{}</a> ({})</li>',
        (
            (
                blog_url,
                month["path"],
                mark_safe(' aria-current="page"') if month["path"] == current_path else "",
                month["label"],
                month["count"],
            )
            for month in months
        ),
    )


@register.filter
def writes(identity, post) -> bool:
    """Whether the site's writer (SiteIdentity) wrote `post`: see SiteIdentity.writes."""
    return identity.writes(post)


@register.filter
def same_as(item, other) -> bool:
    return item is not None and item == other


@register.simple_tag
def responsive_picture(image, spec: str, **attrs):
    """Wagtail's `{% picture image spec attrs %}`, minus repeated widths (see
    cms.images.picture_markup), remembered by each process."""
    if not image:
        return ""
    return images.picture_markup(image, spec, attrs)
