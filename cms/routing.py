"""Routing is Wagtail's own `Page.route`; two things are added through its public API.

- The site root checks Wagtail's cached root paths against the request's site before routing
  (cms.sitedata): root paths left by another deployment or test run sharing the cache would
  give every page a URL of None and every post a 500.
- The view-restriction check Wagtail makes before serving a page asks the database only when
  the site has restrictions at all: the (few) restrictions are cached with the site data, and
  most sites have none.
"""

from __future__ import annotations

from django.http import HttpRequest
from wagtail.models import Page, PageViewRestriction, Site

from cms import sitedata


def check_root_paths(request: HttpRequest) -> None:
    """Drop Wagtail's cached root paths (and the site data) when they are not this site's."""
    site = Site.find_for_request(request)
    if site is not None and not sitedata.root_paths_agree(site):
        sitedata.forget_foreign_site_data()


def parent_of(page: Page) -> Page:
    """The page above `page`, as its own type. Wagtail's routing hands each page the one it
    walked through (no query); a page that was not routed (a preview) looks it up."""
    return page.get_parent().specific


class RoutedPage:
    """For page classes: no query for view restrictions on a site that has none."""

    def get_view_restrictions(self):
        if not sitedata.view_restrictions():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()
