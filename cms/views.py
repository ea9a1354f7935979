"""Views outside the page tree: search, robots.txt and the favicon."""

import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from wagtail.models import Site

from cms.models import BlogPage
from cms.pagination import paginate

SEARCH_QUERY_MAX_LENGTH = 200


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Search posts; result pages are marked noindex so they never compete with the posts."""
    query = request.GET.get("q", "").strip()[:SEARCH_QUERY_MAX_LENGTH]
    # Only words reach the search backend: quotes and operators mean different things (or
    # errors) to SQLite's FTS5 and PostgreSQL's tsquery, and readers never intend them.
    terms = " ".join(re.findall(r"\w+", query))
    results = None
    if terms:
        posts = BlogPage.objects.live().public()
        site = Site.find_for_request(request)
        if site is not None:
            posts = posts.in_site(site)
        results = paginate(request, posts.search(terms), settings.QUIRE_POSTS_PER_PAGE)
    return render(request, "cms/search.html", {"query": query, "results": results, "noindex": True})


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request: HttpRequest) -> HttpResponse:
    return render(request, "robots.txt", content_type="text/plain")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says. Not a permanent redirect, because
    the static file's hashed name changes with its content in production."""
    return redirect(static("favicon.svg"))
