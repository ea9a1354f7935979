"""Site-wide data that every page view reads, kept in the shared cache instead of queried.

The site settings (with the menus already resolved to links), the list of view restrictions
and the blog's archive months change rarely and are small, yet each page view needed a query
or two for each. They are stored under one version key that any change to what they were
built from bumps: sites, settings, images, view restrictions and every save, publish, move or
delete of a page. The version is read *before* the database, so data read while an editor's
change commits is stored under a version that is already retired and never served.

The version is bumped at once (so this process sees the change) and again when the transaction
commits (so no other server keeps data read before it did).

The site itself is Wagtail's to find (`Site.find_for_request`, one query per request). Its
cached root paths, which every page URL is built from, may have been left by another
deployment or a test run sharing the Redis database under the same key prefix, or read in a
transaction that was rolled back: the site root checks them before routing (cms.routing), and
when they disagree with the site, they and the site data are dropped and built again from the
database, rather than every post answering 404 or 500.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from wagtail.contrib.settings.models import BaseSiteSetting
from wagtail.models import Page, PageViewRestriction, Site

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


def root_paths_agree(site: Site) -> bool:
    """Whether Wagtail's root paths (cached for an hour, shared by all app servers) know
    `site` as it is: its id, its root page and its address. Costs one cache read."""
    root_path, root_url = site.root_page.url_path, site.root_url
    return any(
        (path.site_id, path.root_path, path.root_url) == (site.pk, root_path, root_url)
        for path in Site.get_site_root_paths()
    )


def forget_foreign_site_data() -> None:
    """Drop the cached site data and Wagtail's root paths, which disagree with each other
    or with the database: the next reads build them again from the database."""
    invalidate()
    Site.clear_site_root_paths_cache()


def connect_invalidation(models: list[type]) -> None:
    """Retire the site data whenever one of `models` (or a page of any type) changes. Each app
    names the models its site data is built from; calling this again adds to them."""
    from django.db.models.signals import post_delete, post_save
    from wagtail.signals import page_published, page_unpublished, post_page_move

    def saved(sender, created=False, **kwargs):
        if created and issubclass(sender, BaseSiteSetting):
            # A page view creates a missing settings row, with defaults: nothing shown changes.
            return
        invalidate()

    def page_changed(sender, **kwargs):
        if issubclass(sender, Page):
            invalidate()

    for model in models:
        uid = f"quire-sitedata-{model._meta.label_lower}"
        post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"{uid}-save")
        post_delete.connect(saved, sender=model, weak=False, dispatch_uid=f"{uid}-delete")
    post_save.connect(page_changed, weak=False, dispatch_uid="quire-sitedata-page-save")
    post_delete.connect(page_changed, weak=False, dispatch_uid="quire-sitedata-page-delete")
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(invalidate, weak=False, dispatch_uid=f"quire-sitedata-{id(signal)}")


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


def site_setting(model: type[BaseSiteSetting], request: HttpRequest) -> BaseSiteSetting | None:
    """The request's site's `model` settings (Wagtail's `for_site`), from the shared cache;
    None when no site answers to the request. A model with `prepare_for_cache()` fetches
    there whatever its templates will ask for, so the cached copy needs no query either."""
    site = Site.find_for_request(request)
    if site is None:
        return None

    def build():
        found = model.for_site(site)
        prepare = getattr(found, "prepare_for_cache", None)
        return prepare() if prepare else found

    return cached(f"setting:{model._meta.label_lower}:{site.pk}", build)
