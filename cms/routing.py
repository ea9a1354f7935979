"""Routing a whole URL from the site root in one query, with Wagtail's semantics kept.

Wagtail routes `/blog/a-post/` one path component at a time: a query for each child and
another for its specific instance. Here every page the URL could lead through is fetched at
once (their `url_path`s are the prefixes of the URL), then the walk Wagtail would make is
replayed in memory: a page with routes of its own (a `RoutablePageMixin` page whose routes
match the rest of the path, or any page overriding `route`) is handed the rest of the path
there, as Wagtail would; otherwise the deepest page found is made specific and routes the rest
itself (a trailing component it has no child for is a 404; an unpublished page is a 404).

The pages above the routed page are kept on it (`_route_ancestors`), so the view-restriction
check and `parent_of` need no query to find them.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.models import Page, PageViewRestriction
from wagtail.url_routing import RouteResult

from cms import sitedata


def route_from_root(root: Page, request: HttpRequest, path_components: list[str]) -> RouteResult:
    """Route `path_components` below `root` (the site's root page, as a specific instance)."""
    above_root = getattr(root, "_route_ancestors", None)
    if above_root is None:
        above_root = list(root.get_ancestors())
        root._route_ancestors = above_root
    if not path_components:
        return Page.route(root, request, [])

    prefixes = [
        root.url_path + "".join(f"{slug}/" for slug in path_components[:n])
        for n in range(1, len(path_components) + 1)
    ]
    by_url_path = {
        page.url_path: page
        for page in Page.objects.filter(
            path__startswith=root.path, depth__gt=root.depth, url_path__in=prefixes
        )
    }

    chain, remaining = [root], list(path_components)
    # The root's own route() is this function; any page below may have routes of its own.
    while remaining and (len(chain) == 1 or not _routes_itself(chain[-1], remaining)):
        child = by_url_path.get(f"{chain[-1].url_path}{remaining[0]}/")
        if child is None:
            break
        chain.append(child)
        remaining = remaining[1:]

    if len(chain) == 1:
        raise Http404  # the root has no child by that name (all were fetched above)
    page = chain[-1].specific
    # The pages walked through, each as its own type without another query (their own
    # fields load only if read), so templates can use the parent's methods (parent_of).
    walked = [each.get_specific(deferred=True) for each in chain[1:-1]]
    page._route_ancestors = [*above_root, root, *walked]
    return page.route(request, remaining)


def parent_of(page: Page) -> Page:
    """The page above `page`, as its own type: the one routing walked through (no query), or,
    for a page that was not routed (a preview in the admin), the one in the tree."""
    ancestors = getattr(page, "_route_ancestors", None)
    if ancestors:
        return ancestors[-1]
    return page.get_parent().specific


def _routes_itself(page: Page, remaining: list[str]) -> bool:
    """Whether Wagtail's walk would stop at `page` and let it route `remaining` itself."""
    page_class = page.specific_class
    if page_class is None or page_class.route is Page.route:
        return False
    if page_class.route is RoutablePageMixin.route:
        if not page.live:
            return False  # an unpublished routable page passes the path on to its children
        try:
            page_class.get_resolver().resolve("/" + "".join(f"{c}/" for c in remaining))
        except Http404:
            return False
        return True
    return True  # a route() of its own: let it decide, as Wagtail would


def view_restrictions_for(page: Page):
    """The view restrictions on `page` and the pages above it, from the cached list when the
    page was routed here (so its ancestors are known), else Wagtail's own query."""
    ancestors = getattr(page, "_route_ancestors", None)
    if ancestors is None:
        return None
    page_ids = {each.alias_of_id or each.pk for each in [*ancestors, page]}
    applying = [r.pk for r in sitedata.view_restrictions() if r.page_id in page_ids]
    if not applying:
        return PageViewRestriction.objects.none()
    return PageViewRestriction.objects.filter(pk__in=applying)


class RoutedPage:
    """For page classes: the view-restriction check Wagtail makes before serving a page uses
    the cached restrictions and the ancestors found while routing (no query)."""

    def get_view_restrictions(self):
        restrictions = view_restrictions_for(self)
        return super().get_view_restrictions() if restrictions is None else restrictions
