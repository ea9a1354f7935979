"""Views outside the page tree: search, robots.txt, the favicon and the health check."""

import logging
import re

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from wagtail.models import Site
from wagtail.search.backends import get_search_backend

from cms import search as post_search
from cms.models import BlogPage
from cms.pagination import paginate
from shop.models import Product

logger = logging.getLogger(__name__)

SEARCH_QUERY_MAX_LENGTH = 200
# Products that match are shown above the posts on the first page of results: a shop has few,
# and a reader searching for the book wants the book first.
SEARCH_PRODUCTS_SHOWN = 4


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Search posts and products; result pages are marked noindex so they never compete with
    the posts."""
    query = request.GET.get("q", "").strip()[:SEARCH_QUERY_MAX_LENGTH]
    # Only words reach the search backend: quotes and operators mean different things (or
    # errors) to SQLite's FTS5 and PostgreSQL's tsquery, and readers never intend them.
    terms = " ".join(re.findall(r"\w+", query))
    results, products = None, []
    if terms:
        posts = BlogPage.objects.live().public().for_listing()
        site = Site.find_for_request(request)
        if site is not None:
            posts = posts.in_site(site)
        results = paginate(
            request,
            post_search.search_posts(posts, terms),
            settings.QUIRE_POSTS_PER_PAGE,
            paginator_class=post_search.SearchPaginator,
        )
        if results.number == 1:
            found = get_search_backend().search(terms, Product.objects.visible().for_listing())
            products = list(found[:SEARCH_PRODUCTS_SHOWN])
    context = {
        "query": query,
        "results": results,
        "products": products,
        "search_products_shown": SEARCH_PRODUCTS_SHOWN,
        "search_results_counted": post_search.RESULTS_COUNTED,
        "noindex": True,
    }
    return render(request, "cms/search.html", context)


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request: HttpRequest) -> HttpResponse:
    return render(request, "robots.txt", content_type="text/plain")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says. Not a permanent redirect, because
    the static file's hashed name changes with its content in production."""
    return redirect(static("favicon.svg"))


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and uptime checks: each part is named "ok" or "unavailable", and
    never with error details. 503 only when the database is down, because no page can be
    served without it; a cache outage answers 200, since the site keeps serving from the
    database (config/cache.py) and a load balancer must not take every server out of service
    because their shared Redis is away."""
    checks = {}
    try:
        # A new connection each time, closed at once: a kept-open one that a hung server
        # stopped answering would hold the probe until the worker is killed, while a new one
        # gives up after DATABASE_CONNECT_TIMEOUT.
        probe = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with probe.cursor() as cursor:
                cursor.execute("SELECT 1")
        finally:
            probe.close()
        checks["database"] = "ok"
    except Exception:
        logger.exception("Health check: database unreachable")
        checks["database"] = "unavailable"
    try:
        cache.set("quire:health", "ok", 10)
        checks["cache"] = "ok" if cache.get("quire:health") == "ok" else "unavailable"
    except Exception:
        logger.exception("Health check: cache unreachable")
        checks["cache"] = "unavailable"
    return JsonResponse(checks, status=200 if checks["database"] == "ok" else 503)
