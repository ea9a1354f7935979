"""The site, its settings, menus and view restrictions are read from the shared cache, and any
change to them shows on the very next page view.

The whole-page cache is switched off in most tests, so what is shown comes from rendering with
the site-data cache alone; the tests marked as such run with both caches, committing changes as
a real transaction would.
"""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction, Site

from cms import sitedata
from cms.models import SiteIdentity
from tests.cms.test_navigation import header_links, link, set_menus
from tests.factories import BlogIndexPageFactory, HomePageFactory, StandardPageFactory


@pytest.fixture
def without_page_cache(settings):
    settings.QUIRE_PAGE_CACHE = False


def menu(response):
    return [(a.text.strip(), a["href"]) for a in header_links(response)]


def text_of(response, selector="main"):
    return BeautifulSoup(response.content, "html.parser").select_one(selector).get_text(" ")


def restrict(page, password="swordfish"):
    return PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password=password
    )


# Settings and menus


def test_a_cached_menu_costs_no_query(client, home, blog, without_page_cache):
    set_menus(home, [link(page=blog.pk), link(label="Shop", url="/shop/")])
    client.get("/")

    with CaptureQueriesContext(connection) as queries:
        client.get("/")

    assert not [q for q in queries if "navigationsettings" in q["sql"]]
    assert not [q for q in queries if "siteidentity" in q["sql"]]


def test_editing_the_menu_shows_at_once(client, home, blog, without_page_cache):
    set_menus(home, [link(page=blog.pk)])
    assert menu(client.get("/")) == [("Blog", "/blog/")]

    set_menus(home, [link(page=blog.pk), link(label="Shop", url="/shop/")])

    assert menu(client.get("/")) == [("Blog", "/blog/"), ("Shop", "/shop/")]


def test_renaming_a_page_in_the_menu_shows_at_once(client, home, blog, without_page_cache):
    set_menus(home, [link(page=blog.pk)])
    client.get("/")

    blog.title = "Journal"
    blog.save_revision().publish()

    assert menu(client.get("/")) == [("Journal", "/blog/")]


def test_unpublishing_a_page_in_the_menu_drops_it_at_once(client, home, blog, without_page_cache):
    about = StandardPageFactory(parent=home)
    set_menus(home, [link(page=blog.pk), link(page=about.pk)])
    assert len(menu(client.get("/"))) == 2

    about.unpublish()

    assert menu(client.get("/")) == [("Blog", "/blog/")]


def test_editing_the_site_identity_shows_at_once(client, home, without_page_cache):
    client.get("/")
    identity = SiteIdentity.for_site(home.get_site())
    identity.tagline = "Notes from the desk"
    identity.save()

    assert "Notes from the desk" in text_of(client.get("/"), "header")


def test_renaming_the_site_shows_at_once(client, home, without_page_cache):
    client.get("/")
    site = home.get_site()
    site.site_name = "The Desk"
    site.save()

    assert "The Desk" in text_of(client.get("/"), "header")


def test_a_menu_change_committed_elsewhere_retires_cached_pages_and_menus(
    client, home, blog, commit
):
    set_menus(home, [link(page=blog.pk)])
    client.get("/")
    client.get("/blog/")

    commit(set_menus, home, [link(page=blog.pk), link(label="Shop", url="/shop/")])

    assert ("Shop", "/shop/") in menu(client.get("/"))
    assert ("Shop", "/shop/") in menu(client.get("/blog/"))


def test_data_read_before_a_change_is_never_served_after_it(home, without_page_cache):
    """A request that read the settings before an editor's change committed stores them under a
    version the commit retires."""
    built = []
    stale = sitedata.cached("example", lambda: built.append(1) or "before")
    sitedata.invalidate()

    fresh = sitedata.cached("example", lambda: built.append(2) or "after")

    assert (stale, fresh, built) == ("before", "after", [1, 2])


# View restrictions


def test_a_private_post_asks_for_a_password(client, make_post, without_page_cache):
    post = make_post(title="Members only")
    client.get(post.url)

    restrict(post)
    response = client.get(post.url)

    assert response.status_code == 200
    assert "Members only" not in text_of(response, "body")
    assert BeautifulSoup(response.content, "html.parser").select_one("input[type=password]")


def test_a_post_in_a_private_section_asks_for_a_password(
    client, blog, make_post, without_page_cache
):
    post = make_post(title="Members only")
    client.get(post.url)

    restrict(blog)

    assert "Members only" not in text_of(client.get(post.url), "body")


def test_an_alias_of_a_private_post_asks_for_a_password(client, make_post, without_page_cache):
    post = make_post(title="Members only")
    alias = post.create_alias(update_slug="members-only-alias")
    assert "Members only" in text_of(client.get(alias.url))

    restrict(post)

    assert "Members only" not in text_of(client.get(alias.url), "body")


def test_the_password_unlocks_a_private_post(client, make_post, without_page_cache):
    post = make_post(title="Members only")
    restrict(post)
    form = client.get(post.url)
    action = BeautifulSoup(form.content, "html.parser").select_one("form")["action"]

    client.post(action, {"password": "swordfish", "return_url": post.url})

    assert "Members only" in text_of(client.get(post.url))


def test_a_post_made_private_leaves_every_listing_at_once(
    client, home, make_post, without_page_cache
):
    tagged = {"tags": ["common"]}
    public = make_post(title="Open letter", **tagged)
    private = make_post(title="Members only", **tagged)
    newest = make_post(title="Latest news", **tagged)
    urls = ["/", "/blog/", "/blog/tag/common/", public.url, newest.url]
    assert all("Members only" in text_of(client.get(url)) for url in urls)

    restrict(private)

    for url in urls:
        assert "Members only" not in text_of(client.get(url)), url


def test_lifting_a_restriction_lists_the_post_again(client, make_post, without_page_cache):
    make_post(title="Open letter")
    restriction = restrict(make_post(title="Members only"))
    assert "Members only" not in text_of(client.get("/blog/"))

    restriction.delete()

    assert "Members only" in text_of(client.get("/blog/"))


def test_a_restriction_committed_elsewhere_retires_cached_pages(client, make_post, commit):
    make_post(title="Open letter")
    private = make_post(title="Members only")
    client.get(private.url)
    client.get("/blog/")
    assert client.get(private.url)["X-Cache"] == "HIT"

    commit(restrict, private)

    assert "Members only" not in text_of(client.get(private.url), "body")
    assert "Members only" not in text_of(client.get("/blog/"))


def test_a_public_page_view_reads_no_restriction_from_the_database(
    client, make_post, without_page_cache
):
    post = make_post()
    client.get(post.url)

    with CaptureQueriesContext(connection) as queries:
        client.get(post.url)

    assert not [q for q in queries if "pageviewrestriction" in q["sql"]]


def test_a_post_in_a_new_month_appears_in_the_cached_archive_at_once(
    client, make_post, without_page_cache
):
    make_post(date=datetime.date(2026, 1, 10))
    assert archive_links(client) == [("January 2026", "/blog/archive/2026/1/", "(1)")]

    make_post(date=datetime.date(2026, 3, 2))
    make_post(date=datetime.date(2026, 1, 20))

    assert archive_links(client) == [
        ("March 2026", "/blog/archive/2026/3/", "(1)"),
        ("January 2026", "/blog/archive/2026/1/", "(2)"),
    ]


def archive_links(client):
    items = BeautifulSoup(client.get("/blog/").content, "html.parser").select(".archive-list li")
    return [(li.a.text, li.a["href"], li.a.next_sibling.strip()) for li in items]


# Site data and root paths that are not this database's


def cache_another_database(client, home, hostname="testserver"):
    """Leave in the cache what another database would: its site for `hostname`, rooted at a
    home page this database does not have, and Wagtail's root paths for it. The other database
    is this one in a transaction rolled back afterwards, so only the cache remembers it."""
    with transaction.atomic():
        elsewhere = HomePageFactory(parent=home.get_parent(), slug="elsewhere")
        BlogIndexPageFactory(parent=elsewhere, slug="blog")
        site = Site.objects.get()
        site.hostname, site.root_page = hostname, elsewhere
        site.save()
        assert client.get("/", headers={"Host": hostname}).status_code == 200  # caches the site
        Site.get_site_root_paths()  # as any link to a page on it would
        transaction.set_rollback(True)


def test_root_paths_left_by_another_deployment_are_rebuilt(client, home, make_post):
    """The bug: another deployment's `wagtail_site_root_paths` in a shared Redis gave every
    page of this one a URL of None, and every post with a tag answered 500."""
    post = make_post(title="Tales of the Unexpected", tags=["music"])
    url = post.url
    cache_another_database(client, home, hostname="quire.test")

    response = client.get(url)

    assert response.status_code == 200
    assert "Tales of the Unexpected" in text_of(response)
    assert [path.root_path for path in Site.get_site_root_paths()] == [home.url_path]


def test_a_cached_site_that_is_not_this_databases_is_looked_up_again(client, home, make_post):
    """A site cached from another database (here one rolled back) while Wagtail's root paths
    were rebuilt from this one: the two disagree, so both are dropped and built again."""
    post = make_post(title="Tales of the Unexpected", tags=["music"])
    url = post.url
    cache_another_database(client, home)
    Site.clear_site_root_paths_cache()  # they expire after an hour; the site data need not

    response = client.get(url)

    assert response.status_code == 200
    assert "Tales of the Unexpected" in text_of(response)
    assert client.get("/blog/").status_code == 200
