"""Page views cost a fixed number of queries, however many posts, tags and blocks there are.

Each page is requested once to warm the caches Wagtail keeps (site root paths, failed embed
lookups), then counted on a second request, as a visitor after the first would see it.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.models import BlogPage, NavigationSettings, SiteIdentity
from tests.cms.test_navigation import link
from tests.factories import StandardPageFactory, make_image


@pytest.fixture(autouse=True)
def without_page_cache(settings):
    """These are the costs of rendering; served from the page cache a page costs none."""
    settings.QUIRE_PAGE_CACHE = False


# Measured on SQLite and PostgreSQL; a change here is a change in the cost of every page view.
EXPECTED = {"post": 13, "blog_index": 7, "home": 6, "tag": 8, "search": 5}


def rich_body(images, blocks_per_kind):
    body = []
    for n in range(blocks_per_kind):
        body += [
            {"type": "heading", "value": {"text": f"Section {n}", "level": "h2"}},
            {"type": "paragraph", "value": f"<p>Paragraph {n}.</p>"},
            {
                "type": "quote",
                "value": {
                    "quote": "<p>Quoted.</p>",
                    "attribution": "The Echo",
                    "source_title": "Report",
                    "source_url": "https://example.org/r",
                },
            },
            {
                "type": "image",
                "value": {
                    "image": {
                        "image": images[n % len(images)].pk,
                        "decorative": False,
                        "alt_text": "Alt",
                    },
                    "caption": "",
                },
            },
            {
                "type": "embed",
                "value": {
                    "url": f"https://www.youtube.com/watch?v={n}",
                    "title": "",
                    "caption": "",
                },
            },
            {"type": "separator", "value": None},
            {"type": "callout", "value": {"tone": "note", "title": "", "text": "<p>Note.</p>"}},
        ]
    return body


def build_site(home, blog, make_post, posts: int):
    """A site with `posts` posts. Its size shows in everything a page could query per item:
    posts, tags (a tenth as many as posts), images (one per 30 posts, shared by covers and
    bodies) and the blocks of the middle post, whose body grows with the site. The other posts
    get one block of each kind, which keeps building 300 of them quick."""
    images = [make_image(f"Picture {n}") for n in range(1 + posts // 30)]
    about = StandardPageFactory(parent=home)
    identity = SiteIdentity.for_site(home.get_site())
    identity.tagline = "Notes from the desk"
    identity.default_social_image = images[0]
    identity.save()
    navigation = NavigationSettings.for_site(home.get_site())
    navigation.header_links = [
        link(page=blog.pk),
        link(page=about.pk),
        link(label="Shop", url="/shop/"),
        link(label="Basket", url="/shop/basket/", show_basket_count=True),
    ]
    navigation.footer_links = [link(page=about.pk)]
    navigation.save()
    tags = max(3, posts // 10)
    measured = {0, posts // 2}  # the featured post and the one whose page is counted
    made = []
    for n in range(posts):
        post = {
            "date": datetime.date(2026, 1, 1) + datetime.timedelta(days=n),
            "tags": [f"tag-{n % tags}", f"tag-{(n + 1) % tags}", "common"],
            "cover_image": images[n % len(images)],
            "body": rich_body(images, blocks_per_kind=1 + posts // 10 if n in measured else 1),
        }
        made.append(make_post(**post) if n in measured else add_live_post(blog, n, **post))
    home.featured_post = made[0]
    home.save_revision().publish()
    return made


def add_live_post(blog, n, tags, **fields):
    """A live post added without the revision and publishing steps the factory takes, which
    keeps building hundreds quick; to a reader it is like any other."""
    post = BlogPage(title=f"Post {n}", slug=f"post-{n}", intro="A summary.", live=True, **fields)
    for tag in tags:
        post.tags.add(tag)
    return blog.add_child(instance=post)


def count_queries(client, url):
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("posts", [3, 300])
def test_query_counts_do_not_grow_with_content(client, home, blog, make_post, posts):
    made = build_site(home, blog, make_post, posts)
    middle = made[len(made) // 2]

    counts = {
        "post": count_queries(client, middle.url),
        "blog_index": count_queries(client, "/blog/"),
        "home": count_queries(client, "/"),
        "tag": count_queries(client, "/blog/tag/common/"),
        "search": count_queries(client, "/search/?q=paragraph"),
    }

    assert counts == EXPECTED
