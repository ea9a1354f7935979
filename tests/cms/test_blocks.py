"""The body blocks render accessible HTML, and an embed never breaks a page."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.embeds.finders import get_finders

from cms.blocks import BodyBlock, NavigationLinkBlock, QuoteBlock
from tests.factories import make_image

VIDEO_URL = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def render(block_type, value):
    stream = BodyBlock().to_python([{"type": block_type, "value": value}])
    return BeautifulSoup(stream.render_as_block(), "html.parser")


def test_quote_names_its_source_with_cite():
    html = render(
        "quote",
        {
            "quote": "<p>Broadly compliant.</p>",
            "attribution": "The Echo",
            "source_title": "Canteen report",
            "source_url": "https://example.org/report",
        },
    )

    assert html.blockquote["cite"] == "https://example.org/report"
    assert html.blockquote.text.strip() == "Broadly compliant."
    cite = html.find("cite")
    assert cite.a["href"] == "https://example.org/report"
    assert cite.text == "Canteen report"
    assert "The Echo" in html.figcaption.text


def test_quote_without_source_shows_attribution_only():
    html = render("quote", {"quote": "<p>Hello.</p>", "attribution": "A neighbour"})

    assert not html.blockquote.has_attr("cite")
    assert html.find("cite") is None
    assert "A neighbour" in html.figcaption.text


def test_quote_requires_quoted_text_and_attribution():
    block = QuoteBlock()
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(block.to_python({"quote": "", "attribution": ""}))
    assert set(error.value.block_errors) == {"quote", "attribution"}


def test_separator_is_a_thematic_break():
    assert render("separator", None).find("hr", class_="separator") is not None


def test_heading_level_is_h2_or_h3_never_h1():
    assert render("heading", {"text": "Section", "level": "h2"}).h2.text == "Section"
    assert render("heading", {"text": "Sub", "level": "h3"}).h3.text == "Sub"


def test_callout_renders_its_title_and_text():
    html = render("callout", {"tone": "update", "title": "Update", "text": "<p>Fixed.</p>"})

    aside = html.find("aside", class_="callout--update")
    assert aside.find(class_="callout__title").text == "Update"
    assert "Fixed." in aside.text


@pytest.mark.django_db
def test_image_has_alt_text_caption_and_lazy_loading():
    image = make_image("Towpath")
    html = render(
        "image",
        {
            "image": {"image": image.pk, "decorative": False, "alt_text": "A misty towpath"},
            "caption": "Near the third lock.",
        },
    )

    assert html.img["alt"] == "A misty towpath"
    assert html.img["loading"] == "lazy"
    assert html.img.has_attr("width") and html.img.has_attr("height")
    assert html.figcaption.text == "Near the third lock."


@pytest.mark.django_db
def test_embed_degrades_to_a_link_when_the_provider_cannot_be_reached():
    """The test settings point the provider at a closed loopback port: a real failed request."""
    cache.clear()
    html = render("embed", {"url": VIDEO_URL, "title": "A song", "caption": "Enjoy."})

    link = html.find("a", href=VIDEO_URL)
    assert link is not None
    assert "A song" in link.text
    assert html.find("template") is None
    assert html.figcaption.text == "Enjoy."


@pytest.mark.django_db
def test_embed_link_falls_back_to_the_url_when_untitled():
    cache.clear()
    html = render("embed", {"url": VIDEO_URL, "title": "", "caption": ""})

    assert VIDEO_URL in html.find("a", href=VIDEO_URL).text


PLAYER_HTML = (
    '<iframe src="https://www.youtube-nocookie.com/embed/x" title="Never Gonna Give You Up">'
    "</iframe>"
)


class OEmbedProvider(BaseHTTPRequestHandler):
    requests_seen = 0
    status = 200
    html = PLAYER_HTML

    def do_GET(self):
        type(self).requests_seen += 1
        if self.status != 200:
            self.send_error(self.status)
            return
        body = json.dumps(
            {
                "type": "video",
                "title": "Never Gonna Give You Up",
                "provider_name": "YouTube",
                "width": 480,
                "height": 270,
                "html": self.html,
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def oembed_provider(settings):
    """A real oEmbed provider on loopback standing in for YouTube's."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), OEmbedProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WAGTAILEMBEDS_FINDERS = [
        {
            "class": "wagtail.embeds.finders.oembed",
            "providers": [
                {
                    "endpoint": f"http://127.0.0.1:{server.server_port}/oembed",
                    "urls": [r"^https?://(?:[-\w]+\.)?youtube\.com/watch.+$"],
                }
            ],
        }
    ]
    get_finders.cache_clear()
    cache.clear()
    OEmbedProvider.requests_seen = 0
    OEmbedProvider.status = 200
    OEmbedProvider.html = PLAYER_HTML
    yield OEmbedProvider
    server.shutdown()
    get_finders.cache_clear()


@pytest.mark.django_db
def test_embed_player_waits_for_the_reader_when_the_provider_answers(oembed_provider):
    html = render("embed", {"url": VIDEO_URL, "title": "", "caption": ""})

    # The link is always there; the player sits in an inert <template> until "Play" is pressed,
    # so the page makes no request to the provider on its own.
    assert html.find("a", href=VIDEO_URL).text.strip() == "▶ Never Gonna Give You Up"
    assert "<iframe" in html.find("template").decode_contents()
    assert html.find("button", attrs={"data-embed-play": True}) is not None


@pytest.mark.django_db
def test_embed_player_is_built_by_the_page_never_taken_from_the_provider(oembed_provider):
    oembed_provider.html = (
        '<iframe src="https://www.youtube-nocookie.com/embed/x" onload="steal()"></iframe>'
        '<script src="https://evil.example/x.js"></script><img src=x onerror="steal()">'
    )

    player = render("embed", {"url": VIDEO_URL, "title": "", "caption": ""}).find("template")

    markup = player.decode_contents()
    assert "script" not in markup and "onload" not in markup and "<img" not in markup
    iframe = BeautifulSoup(markup, "html.parser").find("iframe")
    assert iframe["src"] == "https://www.youtube-nocookie.com/embed/x"
    assert iframe["title"] == "Never Gonna Give You Up"


@pytest.mark.django_db
def test_a_player_from_a_host_the_policy_does_not_allow_leaves_only_the_link(oembed_provider):
    oembed_provider.html = '<iframe src="https://evil.example/embed/x"></iframe>'

    html = render("embed", {"url": VIDEO_URL, "title": "", "caption": ""})

    assert html.find("template") is None and html.find("button") is None
    assert html.find("a", href=VIDEO_URL) is not None


@pytest.mark.django_db
def test_embed_is_fetched_once_then_served_from_the_database(oembed_provider):
    render("embed", {"url": VIDEO_URL, "title": "", "caption": ""})
    render("embed", {"url": VIDEO_URL, "title": "", "caption": ""})

    assert oembed_provider.requests_seen == 1


@pytest.mark.django_db
def test_failing_provider_is_asked_once_and_the_page_shows_a_link(oembed_provider):
    oembed_provider.status = 503

    first = render("embed", {"url": VIDEO_URL, "title": "A song", "caption": ""})
    render("embed", {"url": VIDEO_URL, "title": "A song", "caption": ""})

    assert first.find("a", href=VIDEO_URL) is not None
    assert first.find("template") is None
    assert oembed_provider.requests_seen == 1


@pytest.mark.django_db
def test_navigation_link_needs_exactly_one_target(home):
    block = NavigationLinkBlock()
    for value in [
        {"label": "Nowhere", "page": None, "url": ""},
        {"label": "Both", "page": home.pk, "url": "/shop/"},
    ]:
        with pytest.raises(StructBlockValidationError) as error:
            block.clean(block.to_python(value))
        assert "Choose either a page or a URL" in str(error.value.block_errors["url"])
    assert block.clean(block.to_python({"label": "Shop", "page": None, "url": "/shop/"}))
