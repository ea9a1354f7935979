"""Site search finds posts, pages its results, and keeps them out of search engines."""

import datetime

import pytest
from bs4 import BeautifulSoup

from shop.models import Product
from tests.factories import ProductFactory


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


def test_search_finds_products_by_their_description_above_the_posts(client, make_post, home):
    ProductFactory(
        title="Dirty Old Town",
        short_description="Stories from the canal.",
        description="<p>Signed first edition with a ribbon.</p>",
        status=Product.Status.ON_SALE,
    )
    ProductFactory(title="Ribbon secret", status=Product.Status.HIDDEN)
    make_post(title="Buying ribbon in Salford")

    page = BeautifulSoup(client.get("/search/?q=ribbon").content, "html.parser")

    shop = page.select_one(".search-products")
    assert [a.text for a in shop.select("h3 a")] == ["Dirty Old Town"]
    assert shop.select_one("a")["href"] == "/shop/products/dirty-old-town/"
    assert [h.text for h in page.select(".post-card__title")] == ["Buying ribbon in Salford"]
    assert page.select_one(".result-count").text == "1 post and 1 product"


def test_products_are_shown_on_the_first_page_of_results_only(client, make_post, home, settings):
    settings.QUIRE_POSTS_PER_PAGE = 1
    ProductFactory(title="Canal map", status=Product.Status.ON_SALE)
    make_post(title="Canal walk one")
    make_post(title="Canal walk two")

    first = BeautifulSoup(client.get("/search/?q=canal").content, "html.parser")
    second = BeautifulSoup(client.get("/search/?q=canal&page=2").content, "html.parser")

    assert first.select_one(".search-products") is not None
    assert second.select_one(".search-products") is None


def titles_found(client, query: str) -> list[str]:
    page = BeautifulSoup(client.get("/search/", {"q": query}).content, "html.parser")
    return [h.text for h in page.select(".post-card__title")]


def test_a_post_is_found_by_the_words_it_has_now_not_those_it_had(client, make_post):
    post = make_post(
        title="Notes", body=[{"type": "paragraph", "value": "<p>The old gasworks.</p>"}]
    )
    post.body = [{"type": "paragraph", "value": "<p>The new marina.</p>"}]
    post.save_revision().publish()

    assert titles_found(client, "marina") == ["Notes"]
    assert titles_found(client, "gasworks") == []


@pytest.mark.postgres
def test_posts_are_found_newest_first(client, make_post):
    make_post(title="Older canal lock", date=datetime.date(2020, 1, 1))
    make_post(title="Newest canal lock", date=datetime.date(2026, 1, 1))
    make_post(title="Canal only", date=datetime.date(2025, 1, 1))

    assert titles_found(client, "canal lock") == ["Newest canal lock", "Older canal lock"]


@pytest.mark.postgres
def test_search_finds_other_forms_of_a_word(client, make_post):
    make_post(title="Walking the towpath")

    assert titles_found(client, "walks") == ["Walking the towpath"]


@pytest.mark.postgres
def test_a_word_in_more_posts_than_are_counted_pages_through_the_newest(
    client, make_post, settings, monkeypatch
):
    from cms import search

    monkeypatch.setattr(search, "RESULTS_COUNTED", 4)
    settings.QUIRE_POSTS_PER_PAGE = 2
    for n in range(6):
        make_post(title=f"Canal walk {n}", date=datetime.date(2026, 1, 1 + n))

    first = client.get("/search/?q=canal").content.decode()
    last = client.get("/search/?q=canal&page=2").content.decode()

    assert "More than 4 posts" in first
    assert titles_found(client, "canal") == ["Canal walk 5", "Canal walk 4"]
    assert "These are the newest 4; add a word to find older ones." in last
    assert client.get("/search/?q=canal&page=3").status_code == 404
