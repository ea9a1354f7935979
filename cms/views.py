"""Views outside the page tree: search, robots.txt, the favicon and the health check."""

import logging
import re

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from wagtail.models import Site

from cms.models import BlogPage
from cms.pagination import paginate

logger = logging.getLogger(__name__)

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


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and uptime checks: 200 when the database and the cache answer,
    503 with the failing part named otherwise. It never shows error details."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
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
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)
