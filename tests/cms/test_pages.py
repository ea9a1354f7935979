"""Every page type renders, with one h1, and bad addresses answer 404, never 500."""

import datetime

import pytest
from bs4 import BeautifulSoup

from cms.models import BlogPage
from tests.factories import StandardPageFactory


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def test_home_page_shows_featured_post_and_latest_posts(client, home, make_post):
    featured = make_post(title="The big one")
    make_post(title="A smaller one")
    home.featured_post = featured
    home.save_revision().publish()

    page = soup(client.get("/"))

    assert len(page.find_all("h1")) == 1
    featured_section = page.find("section", class_="featured")
    assert "The big one" in featured_section.text
    latest = page.find("h2", string="Latest posts").find_parent("section")
    assert "A smaller one" in latest.text
    assert "The big one" not in latest.text


def test_home_page_hides_an_unpublished_featured_post(client, home, make_post):
    featured = make_post(title="Withdrawn")
    home.featured_post = featured
    home.save_revision().publish()
    featured.unpublish()

    assert "Withdrawn" not in client.get("/").content.decode()


def test_blog_index_lists_newest_first(client, blog, make_post):
    make_post(title="Older", date=datetime.date(2026, 1, 1))
    make_post(title="Newer", date=datetime.date(2026, 3, 1))

    titles = [h.text for h in soup(client.get("/blog/")).select(".post-card__title")]

    assert titles == ["Newer", "Older"]


def test_blog_index_paginates(client, blog, make_post, settings):
    settings.QUIRE_POSTS_PER_PAGE = 2
    for day in range(1, 6):
        make_post(title=f"Day {day}", date=datetime.date(2026, 1, day))

    second = soup(client.get("/blog/?page=2"))

    assert [h.text for h in second.select(".post-card__title")] == ["Day 3", "Day 2"]
    assert second.find("a", rel="next")["href"] == "?page=3"


@pytest.mark.parametrize("page_number", ["abc", "0", "-1", "99999", "1.5", "%00"])
def test_blog_index_bad_page_number_is_404(client, blog, make_post, page_number):
    make_post()
    assert client.get(f"/blog/?page={page_number}").status_code == 404


def test_tag_page_lists_only_posts_with_that_tag(client, blog, make_post):
    make_post(title="About the council", tags=["Council"])
    make_post(title="About walks", tags=["Walks"])

    response = client.get("/blog/tag/council/")

    assert response.status_code == 200
    page = soup(response)
    assert page.h1.text == "Posts tagged “Council”"
    assert [h.text for h in page.select(".post-card__title")] == ["About the council"]


@pytest.mark.parametrize("path", ["/blog/tag/no-such-tag/", "/blog/tag/%F0%9F%98%80/"])
def test_unknown_tag_is_404(client, blog, make_post, path):
    make_post(tags=["Council"])
    assert client.get(path).status_code == 404


def test_monthly_archive_lists_posts_of_that_month(client, blog, make_post):
    make_post(title="November", date=datetime.date(2026, 11, 3))
    make_post(title="October", date=datetime.date(2026, 10, 30))

    page = soup(client.get("/blog/archive/2026/11/"))

    assert page.h1.text == "Posts from November 2026"
    assert [h.text for h in page.select(".post-card__title")] == ["November"]
    archive = [(a.text, a["href"], a.get("aria-current")) for a in page.select(".archive-list a")]
    assert archive == [
        ("November 2026", "/blog/archive/2026/11/", "page"),
        ("October 2026", "/blog/archive/2026/10/", None),
    ]
    assert "November 2026</a> (1)" in str(page.select_one(".archive-list"))


@pytest.mark.parametrize(
    "path",
    [
        "/blog/archive/2026/13/",
        "/blog/archive/2026/0/",
        "/blog/archive/0/1/",
        "/blog/archive/2025/5/",
        "/blog/archive/99999999999999999999/1/",
        "/blog/archive/2026/99999999999999999999/",
    ],
)
def test_impossible_or_empty_archive_month_is_404(client, blog, make_post, path):
    make_post(date=datetime.date(2026, 11, 1))
    assert client.get(path).status_code == 404


def test_blog_post_shows_byline_reading_time_and_tags(client, make_post):
    words = " ".join(["word"] * 920)
    post = make_post(
        title="A long read",
        tags=["Council"],
        body=[{"type": "paragraph", "value": f"<p>{words}</p>"}],
    )

    page = soup(client.get(post.url))

    assert len(page.find_all("h1")) == 1
    assert page.h1.text == "A long read"
    assert "4 min read" in page.select_one(".post-meta").text
    assert "By Ruth Calder" in page.select_one(".byline").text
    assert page.find("a", rel="tag")["href"] == "/blog/tag/council/"


def test_listings_show_the_reading_time_of_the_published_words(client, commit, make_post):
    post = make_post(body=[{"type": "paragraph", "value": "<p>" + "word " * 230 + "</p>"}])
    assert "1 min read" in soup(client.get("/blog/")).select_one(".post-meta").text

    def lengthen():
        page = BlogPage.objects.get(pk=post.pk)
        page.body = [{"type": "paragraph", "value": "<p>" + "word " * 920 + "</p>"}]
        page.save_revision().publish()

    commit(lengthen)

    assert BlogPage.objects.get(pk=post.pk).words == 920
    assert "4 min read" in soup(client.get("/blog/")).select_one(".post-meta").text


def test_blog_post_links_previous_and_next_posts(client, make_post):
    first = make_post(title="First", date=datetime.date(2026, 1, 1))
    middle = make_post(title="Middle", date=datetime.date(2026, 1, 2))
    last = make_post(title="Last", date=datetime.date(2026, 1, 3))

    page = soup(client.get(middle.url))

    assert page.find("a", rel="prev")["href"] == first.url
    assert page.find("a", rel="next")["href"] == last.url


def test_related_posts_prefer_the_most_shared_tags(
    client, make_post, django_capture_on_commit_callbacks
):
    post = make_post(title="Subject", tags=["Council", "Canal"])
    with django_capture_on_commit_callbacks(execute=True):  # the background task runs
        make_post(title="One tag", tags=["Council"])
        make_post(title="Two tags", tags=["Council", "Canal"])
        make_post(title="Unrelated", tags=["Music"])

    related = [a.text for a in soup(client.get(post.url)).select(".related a")]

    assert related == ["Two tags", "One tag"]


def test_standard_page_renders(client, home):
    page = StandardPageFactory(parent=home, title="About", intro="Who writes this.")

    response = client.get(page.url)

    assert response.status_code == 200
    assert soup(response).h1.text == "About"


def test_unknown_address_gets_the_friendly_404_page(client, home):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.parametrize("path", ["/%2F0%5B/", "/%2Fexample.com/", "/%2Fx%5D/"])
def test_a_path_that_looks_like_a_host_is_a_404_with_this_sites_canonical_url(client, home, path):
    """A path such as "//0[/" is not a host name: the 404 page's canonical link must not
    choke on it."""
    response = client.get(path)

    assert response.status_code == 404
    canonical = BeautifulSoup(response.content, "html.parser").find("link", rel="canonical")
    assert canonical["href"].startswith("http://testserver//")
