"""URLs reach the pages, the blog's own routes and the 404s that Wagtail's routing gives."""

import pytest

from tests.factories import StandardPageFactory


@pytest.fixture(autouse=True)
def without_page_cache(settings):
    settings.QUIRE_PAGE_CACHE = False


def test_an_unpublished_post_is_not_found(client, make_post):
    post = make_post()
    post.unpublish()

    assert client.get(post.url).status_code == 404


def test_a_path_below_a_post_is_not_found(client, make_post):
    post = make_post()

    assert client.get(post.url + "more/").status_code == 404


def test_an_unknown_path_is_not_found(client, blog):
    assert client.get("/nowhere/").status_code == 404
    assert client.get("/blog/nowhere/").status_code == 404


def test_a_page_under_an_unpublished_page_is_still_served(client, home):
    """Wagtail only asks the page being served to be live, not the pages above it."""
    about = StandardPageFactory(parent=home, title="About", slug="about")
    team = StandardPageFactory(parent=about, title="The team", slug="team")
    about.unpublish()

    assert client.get("/about/").status_code == 404
    assert client.get(team.url).status_code == 200


def test_tag_and_archive_routes_of_the_blog_still_work(client, make_post):
    post = make_post(tags=["essays"])

    assert client.get("/blog/tag/essays/").status_code == 200
    assert client.get(f"/blog/archive/{post.date.year}/{post.date.month}/").status_code == 200
    assert client.get("/blog/tag/nothing-here/").status_code == 404


def test_the_blog_s_own_routes_come_before_a_post_of_the_same_name(client, make_post):
    """As in Wagtail, a routable page tries its routes before its children."""
    post = make_post(title="Tag", slug="tag", tags=["essays"])

    assert client.get(post.url).status_code == 200  # /blog/tag/ matches no route
    tag_page = client.get("/blog/tag/essays/")
    assert tag_page.status_code == 200
    assert tag_page.context["tag"].slug == "essays"


def test_the_home_page_is_served(client, home):
    assert client.get("/").status_code == 200
