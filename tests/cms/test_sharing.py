"""Share links carry the post's absolute URL and title, encoded, with no third-party script."""

from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup

from cms.sharing import share_links

TRICKY_TITLE = 'Fish & chips: "50% off"? #not #really'
URL = "https://quire.example/blog/fish-chips/?ref=a&b=c"


def links_by_network():
    return {link.network: link.href for link in share_links(URL, TRICKY_TITLE)}


def test_every_network_gets_a_link():
    assert set(links_by_network()) == {"facebook", "x", "whatsapp", "email"}


def test_facebook_link_carries_the_url_intact():
    href = links_by_network()["facebook"]
    assert href.startswith("https://www.facebook.com/sharer/sharer.php?")
    assert parse_qs(urlsplit(href).query) == {"u": [URL]}


def test_x_link_carries_url_and_title_intact():
    query = parse_qs(urlsplit(links_by_network()["x"]).query)
    assert query == {"url": [URL], "text": [TRICKY_TITLE]}


def test_whatsapp_link_carries_title_and_url_in_its_text():
    query = parse_qs(urlsplit(links_by_network()["whatsapp"]).query)
    assert query == {"text": [f"{TRICKY_TITLE} {URL}"]}


def test_email_link_encodes_spaces_as_percent_20_not_plus():
    href = links_by_network()["email"]
    assert href.startswith("mailto:?")
    assert "+" not in href  # mail clients show a literal "+" for spaces
    query = parse_qs(urlsplit(href).query)
    assert query == {"subject": [TRICKY_TITLE], "body": [URL]}


def test_post_page_share_links_use_the_absolute_post_url(client, make_post):
    post = make_post(title=TRICKY_TITLE)

    page = BeautifulSoup(client.get(post.url).content, "html.parser")

    facebook = page.select_one(".share-link--facebook")["href"]
    assert parse_qs(urlsplit(facebook).query)["u"] == [f"http://testserver{post.url}"]
    x_link = parse_qs(urlsplit(page.select_one(".share-link--x")["href"]).query)
    assert x_link["text"] == [TRICKY_TITLE]
    copy = page.select_one("[data-copy-link]")
    assert copy["data-copy-link"] == f"http://testserver{post.url}"
    assert copy.has_attr("hidden")  # shown by JavaScript only where it can work


def test_pages_load_no_script_or_style_from_another_host(client, make_post):
    post = make_post()

    page = BeautifulSoup(client.get(post.url).content, "html.parser")

    external = [
        tag.get("src") or tag.get("href")
        for tag in page.find_all(["script", "link", "img", "iframe"])
        if (tag.get("src") or "").startswith(("http", "//"))
        or (
            tag.name == "link" and tag.get("rel") != ["canonical"] and "http" in tag.get("href", "")
        )
    ]
    assert external == []


def test_share_buttons_have_a_name_and_a_drawn_icon(client, make_post):
    """Icons are inline SVG (no icon font, nothing fetched); each button keeps its name."""
    post = make_post()

    page = BeautifulSoup(client.get(post.url).content, "html.parser")

    buttons = page.select(".share .share-button")
    names = [button.select_one(".visually-hidden").get_text(strip=True) for button in buttons]
    assert names == ["Facebook", "X (Twitter)", "WhatsApp", "Email", "Copy link"]
    for button in buttons:
        icon = button.find("svg")
        assert icon["aria-hidden"] == "true"
        assert icon.find("path") or icon.find("rect")
        assert not button.find_all(attrs={"style": True})
        assert button["title"] == button.select_one(".visually-hidden").get_text(strip=True)
