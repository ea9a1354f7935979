"""Publishing retires the cached pages that show what changed, and leaves the rest cached.

Invalidation runs when the change commits, so changes run inside `commit` (tests/conftest.py).
"""

import datetime

from bs4 import BeautifulSoup
from django.urls import reverse

from cms.models import BlogPage
from tests.cms.test_navigation import link, set_menus
from tests.factories import ProductFactory


def post_nav(response) -> dict[str, str]:
    """The previous/next links of a post page, as {rel: title}."""
    nav = BeautifulSoup(response.content, "html.parser").select_one("nav.post-nav")
    if nav is None:
        return {}
    return {a["rel"][0]: a.get_text(" ").split("post", 1)[1].strip() for a in nav.select("a")}


def related_titles(response) -> list[str]:
    html = BeautifulSoup(response.content, "html.parser")
    return [a.get_text() for a in html.select("section.related li a")]


def posts_by_month(make_post, titles, tags=None):
    """One post a month from January 2026, each with its own tag unless `tags` are given."""
    return {
        title: make_post(
            title=title,
            date=datetime.date(2026, month, 1),
            tags=tags if tags is not None else [f"tag-{month}"],
        )
        for month, title in enumerate(titles, start=1)
    }


def retitle(post, title, **changes):
    page = BlogPage.objects.get(pk=post.pk)
    page.title = title
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision().publish()


def test_publishing_a_post_retires_it_its_neighbours_and_listings_but_no_other_page(
    client, commit, make_post
):
    posts = posts_by_month(make_post, ["Far back", "Before", "Middle", "After", "Far ahead"])
    product = ProductFactory()
    listings = ["/", "/blog/", "/blog/tag/tag-3/", "/blog/archive/2026/3/"]
    untouched = [posts["Far back"].url, posts["Far ahead"].url, product.get_absolute_url()]
    for url in [*listings, *untouched, *(post.url for post in posts.values())]:
        client.get(url)

    commit(retitle, posts["Middle"], "Middle, rewritten")

    for url in [posts["Middle"].url, *listings]:
        response = client.get(url)
        assert response["X-Cache"] == "MISS", url
        assert "Middle, rewritten" in response.content.decode(), url
    assert post_nav(client.get(posts["Before"].url))["next"] == "Middle, rewritten"
    assert post_nav(client.get(posts["After"].url))["prev"] == "Middle, rewritten"
    for url in untouched:
        assert client.get(url)["X-Cache"] == "HIT", url
    assert client.get(reverse("shop:index"))["X-Cache"] == "MISS"  # never visited: not a retire


def test_a_post_published_with_a_new_tag_leaves_the_other_posts_cached(client, commit, make_post):
    posts = posts_by_month(make_post, ["One", "Two", "Three", "Four"])
    client.get(posts["One"].url)

    def tag_anew():
        page = BlogPage.objects.get(pk=posts["Three"].pk)
        page.tags.add("brand-new-tag")
        page.save_revision().publish()

    commit(tag_anew)

    assert client.get(posts["One"].url)["X-Cache"] == "HIT"
    assert client.get("/blog/tag/brand-new-tag/").status_code == 200


def test_moving_a_post_in_time_retires_its_old_neighbours_and_its_new_ones(
    client, commit, make_post
):
    posts = posts_by_month(make_post, ["Jan", "Feb", "Mar", "Apr", "May"])
    for post in posts.values():
        client.get(post.url)

    commit(retitle, posts["Feb"], "Feb, now mid-April", date=datetime.date(2026, 4, 15))

    assert post_nav(client.get(posts["Jan"].url))["next"] == "Mar"
    assert post_nav(client.get(posts["Mar"].url))["prev"] == "Jan"
    assert post_nav(client.get(posts["Apr"].url))["next"] == "Feb, now mid-April"
    assert post_nav(client.get(posts["May"].url))["prev"] == "Feb, now mid-April"


def test_unpublishing_a_post_closes_the_gap_between_its_neighbours(client, commit, make_post):
    posts = posts_by_month(make_post, ["Jan", "Feb", "Mar", "Apr"])
    for post in posts.values():
        client.get(post.url)

    commit(lambda: BlogPage.objects.get(pk=posts["Feb"].pk).unpublish())

    assert post_nav(client.get(posts["Jan"].url))["next"] == "Mar"
    assert post_nav(client.get(posts["Mar"].url))["prev"] == "Jan"
    assert client.get(posts["Apr"].url)["X-Cache"] == "HIT"


def test_a_retitled_post_is_retitled_in_the_related_posts_of_the_posts_sharing_its_tags(
    client, commit, make_post
):
    # Posts of another tag between them, so none of them is a neighbour of another.
    titles = ["Canals", "Filler", "Gasworks", "Filler too", "Mills", "Elsewhere"]
    salford = {"Canals", "Gasworks", "Mills"}
    posts = {
        title: make_post(
            title=title,
            date=datetime.date(2026, month, 1),
            tags=["salford"] if title in salford else ["elsewhere"],
        )
        for month, title in enumerate(titles, start=1)
    }
    unrelated = posts["Elsewhere"]
    for post in posts.values():  # each decides its related posts as it is published
        commit(lambda post=post: BlogPage.objects.get(pk=post.pk).save_revision().publish())
    for post in posts.values():
        client.get(post.url)
    assert "Gasworks" in related_titles(client.get(posts["Canals"].url))

    commit(retitle, posts["Gasworks"], "The old gasworks")

    assert "The old gasworks" in related_titles(client.get(posts["Canals"].url))
    assert "The old gasworks" in related_titles(client.get(posts["Mills"].url))
    assert client.get(unrelated.url)["X-Cache"] == "HIT"


def test_publishing_a_page_linked_from_the_menu_retires_every_page(client, commit, home, make_post):
    about, elsewhere = make_post(title="About me"), make_post(title="Elsewhere")
    commit(set_menus, home, [link(page=about.pk)])
    client.get(elsewhere.url)

    commit(retitle, about, "About the writer")

    assert "About the writer" in client.get(elsewhere.url).content.decode()
