"""The writer's box under a post: their name, bio, picture and profiles, from the site identity
settings; absent when no writer is set, and under a guest's byline."""

import pytest
from bs4 import BeautifulSoup

from cms.models import SiteIdentity
from tests.cms.test_query_counts import count_queries
from tests.factories import make_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(home):
    identity = SiteIdentity.for_site(home.get_site())
    identity.author_name = "Ruth Calder"
    identity.author_bio = "<p>Writes about <i>Salford</i>'s buildings.</p>"
    identity.author_photo = make_image("Ruth", size=(400, 400))
    identity.author_website = "https://ruthcalder.example/"
    identity.author_mastodon = "https://social.example/@ruth"
    identity.author_bluesky = ""
    identity.save()
    return identity


def author_box(client, post):
    page = BeautifulSoup(client.get(post.url).content, "html.parser")
    return page.select_one("aside.author-box")


def test_author_box_shows_name_bio_picture_and_profiles(client, make_post, writer):
    box = author_box(client, make_post(author="Ruth Calder"))

    heading = box.find(id=box["aria-labelledby"])
    assert heading.name == "h2"
    assert "Ruth Calder" in heading.get_text()
    assert box.select_one(".author-box__bio i").text == "Salford"
    photo = box.select_one("picture img")
    assert photo["alt"] == ""  # the name is beside it
    assert photo["width"] == photo["height"]
    links = {a.get_text(" ", strip=True): a for a in box.select(".author-box__links a")}
    assert set(links) == {"Website : Ruth Calder", "Mastodon : Ruth Calder"}  # Bluesky is empty
    mastodon = links["Mastodon : Ruth Calder"]
    assert mastodon["href"] == "https://social.example/@ruth"
    assert "me" in mastodon["rel"]  # so Mastodon can verify the site as hers
    assert mastodon.svg["aria-hidden"] == "true"


def test_author_box_shows_under_posts_with_no_byline(client, make_post, writer):
    assert author_box(client, make_post(author="")) is not None


def test_author_box_is_absent_under_a_guest_post(client, make_post, writer):
    assert author_box(client, make_post(author="A Guest Writer")) is None


def test_author_box_is_absent_when_no_writer_is_set(client, make_post, home):
    page = BeautifulSoup(client.get(make_post(author="").url).content, "html.parser")

    assert page.select_one(".author-box") is None
    assert page.select_one(".share")  # the rest of the post's footer is there


def test_author_box_without_picture_bio_or_profiles_shows_the_name(client, make_post, writer):
    writer.author_photo = None
    writer.author_bio = ""
    writer.author_website = writer.author_mastodon = ""
    writer.save()

    box = author_box(client, make_post(author="Ruth Calder"))

    assert "Ruth Calder" in box.h2.get_text()
    assert box.select("img, ul, .author-box__bio") == []


def test_author_box_costs_no_query(client, make_post, home, settings, writer):
    """The writer and their picture's renditions come with the cached site settings."""
    settings.QUIRE_PAGE_CACHE = False
    post = make_post(author="Ruth Calder")
    with_box = count_queries(client, post.url)
    writer.author_name = ""
    writer.save()

    assert count_queries(client, post.url) == with_box
