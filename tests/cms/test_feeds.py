"""RSS and Atom feeds are valid XML with absolute links and the posts' content."""

import datetime
import xml.etree.ElementTree as ET

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"


def post_with_internal_link(make_post):
    return make_post(
        title="Feeds & readers <3",
        date=datetime.date(2026, 11, 20),
        tags=["Council"],
        body=[
            {"type": "paragraph", "value": '<p>See <a href="/about/">about me</a>.</p>'},
            {"type": "separator", "value": None},
        ],
    )


def test_rss_feed_is_valid_xml_with_absolute_links(client, make_post):
    post = post_with_internal_link(make_post)

    response = client.get("/feed/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    item = channel.find("item")
    assert item.findtext("title") == "Feeds & readers <3"
    assert item.findtext("link") == f"http://testserver{post.url}"
    assert item.findtext("description") == post.intro
    assert item.findtext("category") == "Council"
    content = item.findtext(f"{CONTENT}encoded")
    assert 'href="http://testserver/about/"' in content
    assert 'class="separator"' in content


def test_atom_feed_is_valid_xml_with_summary_and_content(client, make_post):
    post = post_with_internal_link(make_post)

    response = client.get("/feed/atom/")

    assert response["Content-Type"].startswith("application/atom+xml")
    entry = ET.fromstring(response.content).find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}link").get("href") == f"http://testserver{post.url}"
    assert entry.findtext(f"{ATOM}summary") == post.intro
    assert 'href="http://testserver/about/"' in entry.findtext(f"{ATOM}content")


def test_feeds_list_only_live_posts_newest_first(client, make_post):
    make_post(title="Old", date=datetime.date(2026, 1, 1))
    make_post(title="New", date=datetime.date(2026, 2, 1))
    make_post(title="Draft", date=datetime.date(2026, 3, 1)).unpublish()

    channel = ET.fromstring(client.get("/feed/").content).find("channel")

    assert [item.findtext("title") for item in channel.findall("item")] == ["New", "Old"]
