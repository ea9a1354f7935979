"""Related posts are decided when posts are published, so a reader's view never ranks them."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.models import BlogPage


@pytest.fixture(autouse=True)
def without_page_cache(settings):
    settings.QUIRE_PAGE_CACHE = False


def related_on_page(client, post) -> list[str]:
    page = BeautifulSoup(client.get(post.url).content, "html.parser")
    return [a.text for a in page.select(".related a")]


def test_publishing_a_post_decides_its_related_posts(make_post):
    one = make_post(title="One tag", tags=["Council"])
    two = make_post(title="Two tags", tags=["Council", "Canal"])

    post = make_post(title="Subject", tags=["Council", "Canal"])

    assert BlogPage.objects.get(pk=post.pk).related_post_ids == [two.pk, one.pk]


def test_a_reader_s_view_does_not_rank_posts_by_their_tags(client, make_post):
    make_post(title="One tag", tags=["Council"])
    post = make_post(title="Subject", tags=["Council"])
    client.get(post.url)

    with CaptureQueriesContext(connection) as queries:
        assert related_on_page(client, post) == ["One tag"]

    assert not any("COUNT(" in query["sql"].upper() for query in queries)


def test_a_post_published_later_joins_the_lists_of_posts_sharing_its_tags(
    client, make_post, django_capture_on_commit_callbacks
):
    earlier = make_post(title="Earlier", tags=["Canal"])
    assert related_on_page(client, earlier) == []

    with django_capture_on_commit_callbacks(execute=True):
        make_post(title="Later", tags=["Canal"])

    assert related_on_page(client, earlier) == ["Later"]


@pytest.fixture
def four_related(make_post, django_capture_on_commit_callbacks):
    """A post whose three related posts are decided, and a fourth that missed the list."""
    post = make_post(title="Subject", tags=["Canal", "Council"])
    with django_capture_on_commit_callbacks(execute=True):
        going = make_post(title="Going", tags=["Canal", "Council"])
        make_post(title="Staying", tags=["Canal"])
        make_post(title="Also staying", tags=["Council"])
        make_post(title="Fourth", tags=["Council"])
    return post, going


def test_an_unpublished_post_leaves_the_lists_at_once(client, four_related):
    post, going = four_related
    assert related_on_page(client, post) == ["Going", "Fourth", "Also staying"]

    going.unpublish()  # before the task that ranks the lists again has run

    assert related_on_page(client, post) == ["Fourth", "Also staying"]  # never a dead link


def test_the_gap_an_unpublished_post_leaves_is_filled(
    client, four_related, django_capture_on_commit_callbacks
):
    post, going = four_related

    with django_capture_on_commit_callbacks(execute=True):
        going.unpublish()

    assert related_on_page(client, post) == ["Fourth", "Also staying", "Staying"]
