"""Page weight: a long article with no images costs a reader at most 60 KB over the wire (HTML,
CSS, JS, fonts and whatever else the page asks for), all of it from the site's own host.

What is measured, per response Chromium received while the page loaded and settled:
- responses from Django's views (the HTML, the basket count) arrive as production sends them,
  the page in the Brotli form the page cache stored, the rest gzipped by GZipMiddleware (all
  but the tiny count), so their body counts as Chromium reports receiving it;
- static files are served uncompressed by the test server's staticfiles handler, whereas
  production's WhiteNoise serves the gzip file `collectstatic` wrote at level 9; so they count
  as the size of that gzip (`gzip.compress(body, 9)`), no more than what WhiteNoise sends (it
  sends the Brotli file, smaller still, to browsers that accept it);
- plus each response's headers as Chromium reports them.
"""

import gzip
import random
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from cms.demo import POSTS
from cms.models import BlogIndexPage
from tests.factories import BlogPageFactory

pytestmark = pytest.mark.browser

BUDGET_BYTES = 60_000


def demo_words() -> list[str]:
    """Every word of the demo posts, the vocabulary the long article is written in."""
    text = []

    def gather(value):
        if isinstance(value, str):
            text.append(re.sub(r"<[^>]+>", " ", value))
        elif isinstance(value, dict):
            for item in value.values():
                gather(item)
        elif isinstance(value, list):
            for item in value:
                gather(item)

    for spec in POSTS:
        gather(spec["body"]())
    return sorted(set(" ".join(text).split()))


def long_article_body(sections: int = 12) -> list[dict]:
    """About 5,000 words of headings, paragraphs, quotes, call-outs and separators, with no image:
    sentences drawn at random from the demo's vocabulary, so the HTML compresses about as well as
    real prose does (a paragraph repeated would flatter gzip)."""
    words = demo_words()
    draw = random.Random(2026)

    def paragraph(sentences: int = 4) -> str:
        return (
            "<p>"
            + " ".join(
                " ".join(draw.choices(words, k=draw.randint(8, 24))).capitalize() + "."
                for _ in range(sentences)
            )
            + "</p>"
        )

    body = []
    for number in range(sections):
        body += [
            {"type": "heading", "value": {"text": f"Part {number + 1}", "level": "h2"}},
            {"type": "paragraph", "value": "".join(paragraph() for _ in range(5))},
            {
                "type": "quote",
                "value": {
                    "quote": paragraph(2),
                    "attribution": "The Irwell Valley Echo",
                    "source_title": "Inspectors give town hall canteen a clean bill of health",
                    "source_url": f"https://www.example.org/news/{number}",
                },
            },
            {"type": "paragraph", "value": paragraph()},
            {
                "type": "callout",
                "value": {"tone": "note", "title": "In fairness", "text": paragraph(2)},
            },
            {"type": "separator", "value": None},
        ]
    return body


def test_a_long_article_without_images_weighs_at_most_60_kb(demo_site, page):
    post = BlogPageFactory(
        parent=BlogIndexPage.objects.get(slug="blog"),
        title="The whole inspection, line by line",
        slug="the-whole-inspection",
        body=long_article_body(),
        tags=["Council", "Local news"],
    )
    responses = []
    page.on("response", lambda response: responses.append(response))

    page.goto(demo_site + post.url, wait_until="networkidle")
    expect(page.get_by_role("heading", level=1)).to_have_text(post.title)

    own_host = urlsplit(demo_site).netloc
    weights = {}
    for response in responses:
        url = urlsplit(response.url)
        assert url.netloc == own_host, response.url
        sizes = response.request.sizes()
        if url.path.startswith("/static/"):
            assert "content-encoding" not in response.headers
            body = len(gzip.compress(response.body(), 9))
        else:
            body = sizes["responseBodySize"]
        weights[url.path] = body + sizes["responseHeadersSize"]
    document = next(response for response in responses if response.url == page.url)
    assert document.headers["content-encoding"] == "br"  # as the page cache stored it
    print(f"Article HTML: {len(document.body())} bytes uncompressed; transferred: {weights}")
    assert any(path.endswith(".css") for path in weights)
    assert any(path.endswith(".js") for path in weights)
    assert sum(weights.values()) <= BUDGET_BYTES, weights
