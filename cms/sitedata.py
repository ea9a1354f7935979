"""Site-wide data that every page view reads, kept in the shared cache instead of queried.

The site for a host name, the site settings (with the menus already resolved to links) and the
list of view restrictions change rarely and are small, yet each page view needed a query or two
for each. They are stored under one version key that any change to what they were built from
bumps: sites, settings, images, view restrictions and every save, publish, move or delete of a
page. The version is read *before* the database, so data read while an editor's change commits
is stored under a version that is already retired and never served.

The version is bumped at once (so this process sees the change) and again when the transaction
commits (so no other server keeps data read before it did).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.http.request import split_domain_port
from wagtail.contrib.settings.models import BaseSiteSetting
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.models.sites import get_site_for_hostname

T = TypeVar("T")

_KEY_PREFIX = "quire:sitedata"
_VERSION_KEY = f"{_KEY_PREFIX}:version"


def _timeout() -> int:
    return settings.QUIRE_SITE_DATA_TIMEOUT


def _version() -> str:
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(_VERSION_KEY)
    return version


def _key(name: str) -> str:
    return f"{_KEY_PREFIX}:{_version()}:{name}"


def cached(name: str, build: Callable[[], T]) -> T:
    """`build()`, served from the shared cache until the site data changes (or built afresh
    while the cache cannot be reached: config/cache.py makes it miss)."""
    key = _key(name)
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=_timeout())
    return value


def invalidate(**kwargs: Any) -> None:
    """Retire all cached site data, now and again when the current transaction commits."""

    def bump():
        cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)


def connect_invalidation(models: list[type]) -> None:
    """Retire the site data whenever one of `models` (or a page of any type) changes."""
    from django.db.models.signals import post_delete, post_save
    from wagtail.signals import page_published, page_unpublished, post_page_move

    def page_or_listed(sender, created=False, **kwargs):
        if created and issubclass(sender, BaseSiteSetting):
            # A page view creates a missing settings row, with defaults: nothing shown changes.
            return
        if issubclass(sender, Page) or sender in models:
            invalidate()

    post_save.connect(page_or_listed, weak=False, dispatch_uid="quire-sitedata-save")
    post_delete.connect(page_or_listed, weak=False, dispatch_uid="quire-sitedata-delete")
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(invalidate, weak=False, dispatch_uid=f"quire-sitedata-{id(signal)}")


# The site


def _site_for_cache(hostname: str, port: int) -> Site | bool:
    """The site for a host, with the root page's specific instance and the pages above it
    attached (routing starts from them, see cms.routing); False when there is none."""
    try:
        site = get_site_for_hostname(hostname, port)
    except Site.DoesNotExist:
        return False
    root = site.root_page.specific
    root._route_ancestors = list(root.get_ancestors())
    return site


class SiteFromCacheMiddleware:
    """Puts the request's site, when the cache has it, where Wagtail's `Site.find_for_request`
    keeps it for the request (`request._wagtail_site`), so routing, settings and templates
    reuse it without a query. When the cache does not, nothing is read now (views that never
    ask for the site, such as robots.txt and the health check, stay free of the database);
    if Wagtail then looked the site up, it is cached after the response for the next
    request, under the version read before. Must come after CommonMiddleware, which rejects
    host names not in ALLOWED_HOSTS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        hostname = split_domain_port(request._get_raw_host())[0]
        port = request.get_port()
        key = _key(f"site:{hostname}:{port}")
        site = cache.get(key)
        if site is not None:
            request._wagtail_site = site or None
            return self.get_response(request)

        response = self.get_response(request)
        if hasattr(request, "_wagtail_site"):
            cache.set(key, _site_for_cache(hostname, port), timeout=_timeout())
        return response


# View restrictions


def view_restrictions() -> list[PageViewRestriction]:
    """Every view restriction on the site, with its page's path (there are few)."""
    return cached(
        "view-restrictions",
        lambda: list(PageViewRestriction.objects.select_related("page").order_by("pk")),
    )


def restricted_paths() -> list[str]:
    """Tree paths of the pages with a view restriction; their descendants are private too."""
    return [restriction.page.path for restriction in view_restrictions()]


# Site settings


class CachedSiteSetting:
    """For a `BaseSiteSetting`: page views read it from the cache (the admin still edits the
    database row through `for_site`). `prepare_for_cache` fetches whatever the templates will
    ask for, so the cached copy needs no query either."""

    @classmethod
    def for_request(cls, request: HttpRequest):
        attr_name = cls.get_cache_attr_name()
        if hasattr(request, attr_name):
            return getattr(request, attr_name)
        site = Site.find_for_request(request)
        if site is None:
            raise cls.DoesNotExist(f"{cls} does not exist for site None.")
        name = f"setting:{cls._meta.label_lower}:{site.pk}"
        site_settings = cached(name, lambda: cls.for_site(site).prepare_for_cache())
        site_settings._request = request
        setattr(request, attr_name, site_settings)
        return site_settings

    def prepare_for_cache(self):
        return self
