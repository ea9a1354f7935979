"""Whole-page caching of public pages, shared by every app server through Django's cache.

A public page is the same for every anonymous visitor (the basket count and the CSRF token
for the buy buttons arrive through `shop:basket_count`), so its rendered HTML can be kept and
served without touching the database. Views opt in with `cache_public_page(request, *tags)`;
anything not marked is never cached.

Invalidation is by tag version rather than by listing every URL a change touches: a new post
shows on the home page, the blog index, its tag and archive pages, its neighbours' "next"
links and the feeds, so editorial changes retire every page at once (tag `SITE`), while a sale
that changes stock retires only the pages that show products (tag `CATALOGUE`). Each entry
remembers the tag versions read *before* it was rendered, so a page rendered while an editor
publishes can never be stored as current.

Responses for signed-in users (editors see the Wagtail userbar), for visitors who unlocked a
password-protected page, and responses that set cookies are never stored.

An unreachable cache is handled once, by the cache backend (config/cache.py): lookups miss,
stores are dropped and pages are rendered as if there were no cache.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from wagtail.models import PageViewRestriction

SITE = "site"
CATALOGUE = "catalogue"
TAGS = (SITE, CATALOGUE)

_KEY_PREFIX = "quire:page"
_REQUEST_TAGS = "_quire_page_cache_tags"
_CACHEABLE_QUERY_PARAMETERS = {"page"}
_STORED_HEADERS = {"content-type", "content-language", "x-frame-options"}


def enabled() -> bool:
    return getattr(settings, "QUIRE_PAGE_CACHE", True)


def cache_public_page(request: HttpRequest, *tags: str) -> None:
    """Mark the page being rendered as public: the same for every anonymous visitor. Pages
    always carry `SITE` (navigation and settings appear on each); add `CATALOGUE` when the
    page shows products, their prices or what is left."""
    marked = getattr(request, _REQUEST_TAGS, None)
    if marked is None:
        marked = {SITE}
        setattr(request, _REQUEST_TAGS, marked)
    marked.update(tags)


def invalidate(*tags: str) -> None:
    """Retire every cached page carrying any of `tags`, once the current transaction
    commits (before that, a request could still read the old content and store it)."""

    def bump():
        cache.set_many({_version_key(tag): uuid.uuid4().hex for tag in tags}, timeout=None)

    transaction.on_commit(bump)


def _version_key(tag: str) -> str:
    return f"{_KEY_PREFIX}:version:{tag}"


def _entry_key(request: HttpRequest) -> str:
    url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return f"{_KEY_PREFIX}:entry:{hashlib.sha256(url.encode()).hexdigest()}"


class PageCacheMiddleware:
    """Serves marked public pages from the cache and stores them after rendering. Sits after
    the authentication middleware, which it needs to tell editors from readers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not enabled() or not self._is_public_request(request):
            return self.get_response(request)
        entry_key = _entry_key(request)
        entry, versions = self._look_up(entry_key)
        if entry and all(versions.get(tag) == version for tag, version in entry["tags"].items()):
            return self._replay(request, entry)

        response = self.get_response(request)
        tags = getattr(request, _REQUEST_TAGS, None)
        if tags and self._may_store(request, response):
            self._store(entry_key, response, {tag: versions[tag] for tag in tags})
            response["X-Cache"] = "MISS"
        return response

    @staticmethod
    def _look_up(entry_key: str) -> tuple[dict | None, dict[str, str]]:
        """The stored entry, if any, and the current version of every tag, read before the
        page is rendered (a tag never seen before gets its first version now)."""
        found = cache.get_many([entry_key, *map(_version_key, TAGS)])
        versions = {tag: found.get(_version_key(tag)) for tag in TAGS}
        for tag in [tag for tag, version in versions.items() if version is None]:
            cache.add(_version_key(tag), uuid.uuid4().hex, timeout=None)
            versions[tag] = cache.get(_version_key(tag))
        return found.get(entry_key), versions

    @staticmethod
    def _is_public_request(request: HttpRequest) -> bool:
        """A GET from an anonymous reader with nothing unlocked. Visitors without a session
        cookie are anonymous without the session being read (no `Vary: Cookie`)."""
        if request.method not in ("GET", "HEAD"):
            return False
        if set(request.GET) - _CACHEABLE_QUERY_PARAMETERS:
            return False  # searches, previews and cache-busting parameters are rendered fresh
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            # A visitor with a session may be an editor, or may have unlocked a private page.
            if request.user.is_authenticated:
                return False
            if request.session.get(PageViewRestriction.passed_view_restrictions_session_key):
                return False
        return True

    @staticmethod
    def _may_store(request: HttpRequest, response: HttpResponse) -> bool:
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not response.has_header("Cache-Control")  # the view chose its own caching
        )

    @staticmethod
    def _store(entry_key: str, response: HttpResponse, tag_versions: dict[str, str]) -> None:
        if hasattr(response, "render") and callable(response.render):
            response.render()
        _set_public_cache_control(response)
        headers = [(k, v) for k, v in response.items() if k.lower() in _STORED_HEADERS]
        entry = {"tags": tag_versions, "content": response.content, "headers": headers}
        cache.set(entry_key, entry, timeout=settings.QUIRE_PAGE_CACHE_TIMEOUT)

    @staticmethod
    def _replay(request: HttpRequest, entry: dict) -> HttpResponse:
        response = HttpResponse(b"" if request.method == "HEAD" else entry["content"])
        for header, value in entry["headers"]:
            response[header] = value
        if request.method == "HEAD":
            response["Content-Length"] = str(len(entry["content"]))
        _set_public_cache_control(response)
        response["X-Cache"] = "HIT"
        return response


def _set_public_cache_control(response: HttpResponse) -> None:
    """Browsers ask again each visit by default; a CDN (purged on publish by frontend_cache)
    keeps a page longer."""
    patch_cache_control(
        response,
        public=True,
        max_age=settings.QUIRE_PAGE_CACHE_MAX_AGE,
        s_maxage=settings.QUIRE_PAGE_CACHE_SHARED_MAX_AGE,
    )


def invalidate_when_saved(models: Iterable[type], *tags: str, except_created=False) -> None:
    """Connect save and delete of `models` to `invalidate(*tags)`. With `except_created`,
    creating a row changes nothing shown (site settings are created with their defaults on
    first use, by a reader's request)."""
    from django.db.models.signals import post_delete, post_save

    def handler(sender, created=False, **kwargs):
        if not (created and except_created):
            invalidate(*tags)

    for model in models:
        uid = f"quire-page-cache-{model._meta.label}-{'-'.join(tags)}"
        post_save.connect(handler, sender=model, weak=False, dispatch_uid=uid + "-save")
        post_delete.connect(handler, sender=model, weak=False, dispatch_uid=uid + "-delete")
