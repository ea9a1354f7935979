"""The shared header and footer menus come from a site setting editors change in the admin."""

from bs4 import BeautifulSoup

from cms.models import NavigationSettings
from tests.factories import StandardPageFactory


def link(**value):
    return {
        "type": "link",
        "value": {"label": "", "page": None, "url": "", "show_basket_count": False, **value},
    }


def set_menus(home, header, footer=()):
    navigation = NavigationSettings.for_site(home.get_site())
    navigation.header_links = list(header)
    navigation.footer_links = list(footer)
    navigation.save()


def header_links(response):
    page = BeautifulSoup(response.content, "html.parser")
    return page.select("nav[aria-label=Main] #main-menu a")


def test_header_links_to_pages_and_to_urls_outside_the_tree(client, home, blog):
    set_menus(home, [link(page=blog.pk), link(label="Shop", url="/shop/")])

    links = header_links(client.get("/"))

    assert [(a.text.strip(), a["href"]) for a in links] == [("Blog", "/blog/"), ("Shop", "/shop/")]


def test_the_current_section_is_marked(client, home, blog, make_post):
    about = StandardPageFactory(parent=home)
    set_menus(home, [link(page=blog.pk), link(page=about.pk, label="About me")])
    post = make_post()

    links = header_links(client.get(post.url))

    assert links[0].get("aria-current") == "page"
    assert links[1].get("aria-current") is None


def test_basket_link_reserves_a_place_for_the_item_count(client, home):
    set_menus(home, [link(label="Shopping Basket", url="/shop/basket/", show_basket_count=True)])

    basket = header_links(client.get("/"))[0]

    assert basket.find("span", attrs={"data-basket-count": True}) is not None


def test_footer_menu_is_separate_from_the_header(client, home, blog):
    set_menus(home, [link(page=blog.pk)], [link(label="Privacy", url="/privacy/")])

    page = BeautifulSoup(client.get("/").content, "html.parser")

    assert [a.text for a in page.select("nav[aria-label=Footer] a")] == ["Privacy"]


def test_every_page_has_a_skip_link_to_the_main_content(client, home):
    page = BeautifulSoup(client.get("/").content, "html.parser")

    skip = page.find("a", class_="skip-link")
    assert skip["href"] == "#main"
    assert page.find("main", id="main") is not None


def test_menu_toggle_controls_the_menu_for_phones(client, home, blog):
    set_menus(home, [link(page=blog.pk)])

    page = BeautifulSoup(client.get("/").content, "html.parser")

    toggle = page.find("a", class_="menu-toggle")
    assert toggle["href"] == "#main-menu"  # opens by CSS :target without JavaScript
    assert toggle["aria-controls"] == "main-menu"
    assert page.find(id="main-menu") is not None


def test_a_link_to_an_unpublished_page_does_not_break_the_menu(client, home, blog):
    about = StandardPageFactory(parent=home)
    set_menus(home, [link(page=about.pk), link(page=blog.pk)])
    about.delete()

    response = client.get("/blog/")

    assert response.status_code == 200
    assert [a.text.strip() for a in header_links(response)] == ["Blog"]


def test_only_the_most_specific_menu_link_is_marked(client, home):
    set_menus(
        home,
        [link(label="Shop", url="/shop/"), link(label="Basket", url="/shop/basket/")],
    )

    links = header_links(client.get("/shop/basket/"))

    assert [a.get("aria-current") for a in links] == [None, "page"]
