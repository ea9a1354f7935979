"""Site search finds posts, pages its results, and keeps them out of search engines."""

from bs4 import BeautifulSoup


def test_search_finds_a_post_by_a_word_in_its_body(client, make_post):
    make_post(
        title="Tales of the Unexpected",
        body=[{"type": "paragraph", "value": "<p>The canteen inspection report.</p>"}],
    )
    make_post(title="Unrelated walk")

    page = BeautifulSoup(client.get("/search/?q=canteen").content, "html.parser")

    assert [h.text for h in page.select(".post-card__title")] == ["Tales of the Unexpected"]
    assert page.find("meta", attrs={"name": "robots"})["content"].startswith("noindex")


def test_search_with_no_match_says_so(client, make_post):
    make_post()

    response = client.get("/search/?q=zeppelin")

    assert response.status_code == 200
    assert "Nothing matched “zeppelin”" in response.content.decode()


def test_search_paginates_and_rejects_bad_page_numbers(client, make_post, settings):
    settings.QUIRE_POSTS_PER_PAGE = 2
    for n in range(3):
        make_post(title=f"Canal walk {n}")

    second = client.get("/search/?q=canal&page=2")

    assert len(BeautifulSoup(second.content, "html.parser").select(".post-card")) == 1
    assert client.get("/search/?q=canal&page=abc").status_code == 404
    assert client.get("/search/?q=canal&page=9").status_code == 404


def test_search_survives_odd_input(client, make_post):
    make_post()
    for query in ["", "   ", "a" * 5000, "' OR 1=1 --", "%", "&&||!!", "\x00"]:
        assert client.get("/search/", {"q": query}).status_code == 200


def test_search_does_not_show_unpublished_posts(client, make_post):
    make_post(title="Secret canal plans").unpublish()

    page = BeautifulSoup(client.get("/search/?q=secret").content, "html.parser")

    assert page.select(".post-card") == []
