"""Page views cost a fixed number of queries, however many posts, tags and blocks there are.

Each page is requested once to warm the caches Wagtail keeps (site root paths, failed embed
lookups), then counted on a second request, as a visitor after the first would see it.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.models import NavigationSettings
from tests.cms.test_navigation import link
from tests.factories import StandardPageFactory, make_image


@pytest.fixture(autouse=True)
def without_page_cache(settings):
    """These are the costs of rendering; served from the page cache a page costs none."""
    settings.QUIRE_PAGE_CACHE = False


# Measured on SQLite and PostgreSQL; a change here is a change in the cost of every page view.
EXPECTED = {"post": 23, "blog_index": 16, "home": 13, "tag": 17}


def rich_body(image, blocks_per_kind):
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
                    "image": {"image": image.pk, "decorative": False, "alt_text": "Alt"},
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
    image = make_image("Shared picture")
    about = StandardPageFactory(parent=home)
    navigation = NavigationSettings.for_site(home.get_site())
    navigation.header_links = [
        link(page=blog.pk),
        link(page=about.pk),
        link(label="Shop", url="/shop/"),
        link(label="Basket", url="/shop/basket/", show_basket_count=True),
    ]
    navigation.footer_links = [link(page=about.pk)]
    navigation.save()
    made = [
        make_post(
            date=datetime.date(2026, 1, 1) + datetime.timedelta(days=n),
            tags=[f"tag-{n % 7}", f"tag-{n % 5}", "common"],
            cover_image=image,
            body=rich_body(image, blocks_per_kind=1 + posts // 10),
        )
        for n in range(posts)
    ]
    home.featured_post = made[0]
    home.save_revision().publish()
    return made


def count_queries(client, url):
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("posts", [3, 30])
def test_query_counts_do_not_grow_with_content(client, home, blog, make_post, posts):
    made = build_site(home, blog, make_post, posts)
    middle = made[len(made) // 2]

    counts = {
        "post": count_queries(client, middle.url),
        "blog_index": count_queries(client, "/blog/"),
        "home": count_queries(client, "/"),
        "tag": count_queries(client, "/blog/tag/common/"),
    }

    assert counts == EXPECTED
