"""Whole-page caching of public pages, shared by every app server through Django's cache.

A public page is the same for every anonymous visitor (the basket count and the CSRF token
for the buy buttons arrive through `shop:basket_count`), so its rendered HTML can be kept and
served without touching the database. Views opt in with `cache_public_page(request, *tags)`;
anything not marked is never cached.

Invalidation is by tag version: each stored page remembers the versions of the tags it
carries, and a change bumps the versions of the tags that show it. A page carries
- `SITE`, always: the menus, the site's identity and images are on every page, so changing
  them (or moving a page, which changes addresses) retires every page;
- its own address (`retire_addresses`): a publish retires the post and the posts that show
  it (its neighbours, the posts listing it as related; see cms.publishing), not the rest;
- `LISTINGS` on the pages that list posts (home, blog index, tag and archive pages);
- `CATALOGUE` on the pages that show products or their prices, retired by staff edits of
  products. Sales and pre-orders retire nothing: what is left reaches pages live
  (`shop.live_figures`).
All of a page's tag versions are read in the lookup's one round trip, *before* it is
rendered, so a page rendered while an editor publishes can never be stored as current.

Responses for signed-in users (editors see the Wagtail userbar), for visitors who unlocked a
password-protected page, and responses that set cookies are never stored.

A shared link arrives with tracking parameters (`?utm_source=…`, `?fbclid=…`): they are dropped
from the request before the page is looked up or rendered (`QUIRE_PAGE_CACHE_IGNORED_PARAMETERS`),
so every such visitor gets the one cached page and nothing rendered echoes them. The only
parameter a cached page is keyed on is `?page=N`, in its plain form and only on listings
(`uses_page_number`); any other (a search's
`?q=`, a name nobody listed) is rendered fresh and never stored, so random query strings cannot
fill the cache.

A page is stored once per encoding it can be sent in (plain, gzip, Brotli), compressed when it
is stored, and each reader gets the one their `Accept-Encoding` prefers (`Vary:
Accept-Encoding`): a hit costs no compression. The pages hold nothing secret (no CSRF token,
nothing per visitor), so compressing them without BREACH padding gives nothing away.

An unreachable cache is handled once, by the cache backend (config/cache.py): lookups miss,
stores are dropped and pages are rendered as if there were no cache.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import uuid
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, urlencode

import brotli
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.cache import patch_cache_control, patch_vary_headers
from wagtail.models import PageViewRestriction

SITE = "site"
LISTINGS = "listings"
CATALOGUE = "catalogue"
TAGS = (SITE, LISTINGS, CATALOGUE)

_KEY_PREFIX = "quire:page"
_REQUEST_TAGS = "_quire_page_cache_tags"
_REQUEST_PAGE_NUMBERED = "_quire_page_cache_page_numbered"
_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")  # ?page=N as listings link to it
_STORED_HEADERS = {"content-type", "content-language", "x-frame-options"}
# Every stored page is kept in each of these forms; the first a reader accepts is sent.
ENCODINGS = ("br", "gzip", "identity")
_BROTLI_QUALITY = 6  # 11 takes some 40 times longer on a long post for 10 % fewer bytes


def enabled() -> bool:
    return getattr(settings, "QUIRE_PAGE_CACHE", True)


def cache_public_page(request: HttpRequest, *tags: str) -> None:
    """Mark the page being rendered as public: the same for every anonymous visitor. Pages
    always carry `SITE` (navigation and settings appear on each) and their own address; add
    `LISTINGS` when the page lists posts and `CATALOGUE` when it shows products or their
    prices (what is left is filled in live)."""
    marked = getattr(request, _REQUEST_TAGS, None)
    if marked is None:
        marked = {SITE, address_tag(request.path)}
        setattr(request, _REQUEST_TAGS, marked)
    marked.update(tags)


def uses_page_number(request: HttpRequest) -> None:
    """Mark the page being rendered as one page of a listing: each `?page=N` is kept apart.
    Any other page given `?page=N` is rendered fresh and not stored, so made-up numbers on a
    post cannot fill the cache."""
    setattr(request, _REQUEST_PAGE_NUMBERED, True)


def invalidate(*tags: str) -> None:
    """Retire every cached page carrying any of `tags`, once the current transaction
    commits (before that, a request could still read the old content and store it)."""

    def bump():
        cache.set_many({_version_key(tag): uuid.uuid4().hex for tag in tags}, timeout=None)

    transaction.on_commit(bump)


def address_tag(path: str) -> str:
    """The tag every page stored at `path` carries (for any host and `?page=N`)."""
    return f"address:{hashlib.sha256(path.encode()).hexdigest()}"


def retire_addresses(paths: Iterable[str]) -> None:
    """Retire the pages stored at `paths` (as `Page.get_url_parts` gives them, or
    `request.path`), once the current transaction commits."""
    tags = {address_tag(path) for path in paths}
    if tags:
        invalidate(*tags)


def _version_key(tag: str) -> str:
    return f"{_KEY_PREFIX}:version:{tag}"


def is_ignored_parameter(name: str) -> bool:
    """Whether the page cache drops this query parameter: one of
    `QUIRE_PAGE_CACHE_IGNORED_PARAMETERS`, where a name ending in `*` stands for a prefix."""
    name = name.lower()
    for ignored in map(str.lower, settings.QUIRE_PAGE_CACHE_IGNORED_PARAMETERS):
        if name == ignored or (ignored.endswith("*") and name.startswith(ignored[:-1])):
            return True
    return False


def _drop_ignored_parameters(request: HttpRequest) -> None:
    """Take the tracking parameters out of the request, so the page is looked up, rendered and
    stored as the same page without them."""
    query_string = request.META.get("QUERY_STRING", "")
    if not query_string:
        return
    pairs = parse_qsl(query_string, keep_blank_values=True)
    kept = [(name, value) for name, value in pairs if not is_ignored_parameter(name)]
    if len(kept) < len(pairs) or not pairs:  # also turns "?&&" into no query at all
        request.META["QUERY_STRING"] = urlencode(kept)
        request.GET = QueryDict(request.META["QUERY_STRING"])


def _page_number(request: HttpRequest) -> str | None:
    """What the cache keys the page on: "" without a query, the number for `?page=N`, None
    for anything else (rendered fresh, never stored)."""
    if not request.GET:
        return ""
    numbers = request.GET.getlist("page")
    if len(request.GET) == 1 and len(numbers) == 1 and _PAGE_NUMBER.fullmatch(numbers[0]):
        return numbers[0]
    return None


def accepted_encoding(accept_encoding: str) -> str:
    """The stored form to send for this `Accept-Encoding`: the one with the highest q-value,
    Brotli before gzip when equal, plain when neither is accepted."""
    weights: dict[str, float] = {}
    for item in accept_encoding.lower().split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if coding:
            weights[coding] = weight
    best, best_weight = "identity", 0.0
    for coding in ENCODINGS[:-1]:
        weight = weights.get(coding, weights.get("*", 0.0))
        if weight > best_weight:
            best, best_weight = coding, weight
    return best


def _compressed(content: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(content, quality=_BROTLI_QUALITY)
    if encoding == "gzip":
        return gzip.compress(content, compresslevel=9, mtime=0)
    return content


def _entry_key(request: HttpRequest, page_number: str) -> str:
    """The page's key without its encoding; `:br`, `:gzip` or `:identity` follows."""
    url = f"{request.scheme}://{request.get_host()}{request.path}?page={page_number}"
    return f"{_KEY_PREFIX}:entry:{hashlib.sha256(url.encode()).hexdigest()}"


class PageCacheMiddleware:
    """Serves marked public pages from the cache and stores them after rendering. Sits after
    the authentication middleware, which it needs to tell editors from readers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not enabled() or not self._is_public_request(request):
            return self.get_response(request)
        _drop_ignored_parameters(request)
        page_number = _page_number(request)
        if page_number is None:
            return self.get_response(request)  # searches, previews, unknown parameters
        entry_key = _entry_key(request, page_number)
        encoding = accepted_encoding(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        entry, versions = self._look_up(f"{entry_key}:{encoding}", address_tag(request.path))
        if entry and all(versions.get(tag) == version for tag, version in entry["tags"].items()):
            return self._replay(request, entry)

        response = self.get_response(request)
        tags = getattr(request, _REQUEST_TAGS, None)
        numbered = getattr(request, _REQUEST_PAGE_NUMBERED, False)
        if tags and (numbered or not page_number) and self._may_store(request, response):
            entries = self._store(entry_key, response, {tag: versions[tag] for tag in tags})
            self._send_as(response, entries[encoding])
            response["X-Cache"] = "MISS"
        return response

    @staticmethod
    def _look_up(entry_key: str, address: str) -> tuple[dict | None, dict[str, str]]:
        """The stored entry, if any, and the current version of every tag a page at this
        address can carry, read in one round trip before the page is rendered (a tag never
        seen before gets its first version now)."""
        tags = (*TAGS, address)
        found = cache.get_many([entry_key, *map(_version_key, tags)])
        versions = {tag: found.get(_version_key(tag)) for tag in tags}
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
    def _store(entry_key: str, response: HttpResponse, tag_versions: dict[str, str]) -> dict:
        """Keep the page in every encoding, each under its own key, so a hit fetches only the
        one it sends. Returns the entries by encoding."""
        if hasattr(response, "render") and callable(response.render):
            response.render()
        _set_public_cache_control(response)
        headers = [(k, v) for k, v in response.items() if k.lower() in _STORED_HEADERS]
        entries = {
            encoding: {
                "tags": tag_versions,
                "headers": headers,
                "encoding": encoding,
                "content": _compressed(response.content, encoding),
            }
            for encoding in ENCODINGS
        }
        cache.set_many(
            {f"{entry_key}:{encoding}": entry for encoding, entry in entries.items()},
            timeout=settings.QUIRE_PAGE_CACHE_TIMEOUT,
        )
        return entries

    @classmethod
    def _replay(cls, request: HttpRequest, entry: dict) -> HttpResponse:
        response = HttpResponse()
        for header, value in entry["headers"]:
            response[header] = value
        cls._send_as(response, entry)
        if request.method == "HEAD":
            response.content = b""
        _set_public_cache_control(response)
        response["X-Cache"] = "HIT"
        return response

    @staticmethod
    def _send_as(response: HttpResponse, entry: dict) -> None:
        """Give `response` the stored body in the entry's encoding (GZipMiddleware leaves a
        response with a Content-Encoding alone)."""
        response.content = entry["content"]
        response["Content-Length"] = str(len(entry["content"]))
        if entry["encoding"] != "identity":
            response["Content-Encoding"] = entry["encoding"]
        patch_vary_headers(response, ("Accept-Encoding",))


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
