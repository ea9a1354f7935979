"""Each shop role sees in the admin only the links and buttons it may use (the groups are made
by the shop's migrations: "Shop staff" pack and ship, "Shop managers" also refund and release)."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.urls import reverse

from shop import preorders
from tests.factories import PreOrderProductFactory, ProductFactory, make_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(home):
    return PreOrderProductFactory(title="Dirty Old Town")


@pytest.fixture
def preorder(book):
    buyer = preorders.Buyer("Ruth", "ruth@example.com", "1 Canal Street", "", "Salford", "M5", "GB")
    return preorders.place_preorder(book.pk, 1, buyer, "a-form-token")[0]


def signed_in(client, django_user_model, group):
    user = django_user_model.objects.create_user(group.lower().replace(" ", "-"), password="pw")
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return client


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def panel_links(client) -> dict[str, str]:
    html = soup(client.get("/admin/"))
    panel = html.select_one("#preorders-panel-heading").find_parent("section")
    return {a.get_text(strip=True): a["href"] for a in panel.select("a[href]")}


def test_shop_staff_see_no_campaign_tools_they_cannot_use(client, django_user_model, book):
    staff = signed_in(client, django_user_model, "Shop staff")

    links = panel_links(staff)

    campaign = reverse("shop_campaign", args=[book.pk])
    assert campaign not in links.values()
    assert staff.get(campaign).status_code in (302, 403)  # and it is refused, as before
    assert links == {"Pre-orders": reverse("shop_preorders:index") + f"?product={book.pk}"}
    assert all(staff.get(href).status_code == 200 for href in links.values())


def test_shop_managers_find_the_campaign_from_the_admin_home(client, django_user_model, book):
    manager = signed_in(client, django_user_model, "Shop managers")

    links = panel_links(manager)

    assert links["Campaign"] == reverse("shop_campaign", args=[book.pk])
    assert all(manager.get(href).status_code == 200 for href in links.values())


def test_the_campaign_link_on_a_pre_order_is_for_managers_only(client, django_user_model, preorder):
    url = reverse("shop_preorders:inspect", args=[preorder.pk])
    campaign = reverse("shop_campaign", args=[preorder.product_id])

    staff = signed_in(client, django_user_model, "Shop staff")
    assert staff.get(url).status_code == 200
    assert soup(staff.get(url)).find("a", href=campaign) is None

    manager = signed_in(client, django_user_model, "Shop managers")
    assert soup(manager.get(url)).find("a", href=campaign) is not None


def test_the_campaign_page_links_to_its_pre_orders_and_product(client, django_user_model, preorder):
    manager = signed_in(client, django_user_model, "Shop managers")

    page = soup(manager.get(reverse("shop_campaign", args=[preorder.product_id])))

    hrefs = {a["href"] for a in page.select("main a[href]")}
    assert reverse("shop_preorders:index") + f"?product={preorder.product_id}" in hrefs
    assert reverse("wagtailsnippets_shop_product:edit", args=[preorder.product_id]) in hrefs
    assert all(manager.get(href).status_code == 200 for href in hrefs if href.startswith("/"))


@pytest.mark.parametrize("group, may_delete", [("Shop staff", False), ("Shop managers", True)])
def test_only_those_who_may_delete_products_are_offered_bulk_delete(
    client, django_user_model, home, group, may_delete
):
    ProductFactory(title="Tote")
    user = signed_in(client, django_user_model, group)

    listing = soup(user.get(reverse("wagtailsnippets_shop_product:list")))

    bulk_delete = reverse("wagtail_bulk_action", args=["shop", "product", "delete"])
    assert (listing.find("a", href=bulk_delete) is not None) is may_delete
    assert bool(listing.select("[data-bulk-action-checkbox]")) is may_delete


@pytest.mark.parametrize("group", ["Shop staff", "Shop managers"])
def test_shop_roles_can_choose_upload_and_edit_product_pictures(
    client, django_user_model, home, group
):
    """They look after products, pictures included: the product form's image chooser lists
    the library and its "Edit this image" link opens the image."""
    picture = make_image("Gasworks at dusk")
    product = ProductFactory(title="Tote", cover_image=picture)
    user = signed_in(client, django_user_model, group)

    form = soup(user.get(reverse("wagtailsnippets_shop_product:edit", args=[product.pk])))
    chooser = user.get(reverse("wagtailimages_chooser:choose")).json()["html"]

    edit_link = form.select_one("#id_cover_image-chooser a[data-chooser-edit-link]")["href"]
    assert user.get(edit_link).status_code == 200
    assert "Gasworks at dusk" in chooser
    assert "Upload" in chooser


def test_the_shop_admin_names_things_as_staff_say_them(admin_client, preorder):
    listing = admin_client.get(reverse("shop_preorders:index")).content.decode()
    inspect = admin_client.get(reverse("shop_preorders:inspect", args=[preorder.pk]))
    group = Group.objects.get(name="Shop staff")
    permissions = admin_client.get(reverse("wagtailusers_groups:edit", args=[group.pk]))

    for page in [listing, inspect.content.decode(), permissions.content.decode()]:
        assert "Pre order" not in page and "pre order" not in page
    assert soup(inspect).title.text.startswith("Inspect")
    assert "<title>Pre-orders" in listing
    labels = [label.get_text(strip=True) for label in soup(inspect).select("dt")]
    assert "When the buyer pays" in labels


def test_the_campaign_page_is_headed_with_its_campaign(client, django_user_model, preorder):
    manager = signed_in(client, django_user_model, "Shop managers")

    page = soup(manager.get(reverse("shop_campaign", args=[preorder.product_id])))

    assert page.title.text.startswith("Campaign: Dirty Old Town")
    crumbs = [" ".join(item.get_text().split()) for item in page.select(".w-breadcrumbs li")]
    assert crumbs[-2:] == ["Pre-orders", "Campaign : Dirty Old Town"]


CAMPAIGN_PAGES = ["shop_campaign", "shop_campaign_release"]


def refusal(response) -> tuple[int, str | None]:
    return response.status_code, response.get("Location")


@pytest.mark.parametrize("page", CAMPAIGN_PAGES)
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("group", ["Shop staff", "Editors"])
def test_who_may_not_run_campaigns_cannot_tell_which_products_exist(
    client, django_user_model, book, page, method, group
):
    """A product id that exists and one that does not get the same refusal, Wagtail's own (back
    to the admin home with "no permission"), so the campaign URL cannot list the catalogue."""
    refused = signed_in(client, django_user_model, group)
    request = getattr(refused, method)

    existing = request(reverse(page, args=[book.pk]))
    absent = request(reverse(page, args=[book.pk + 1000]))

    assert refusal(existing) == refusal(absent) == (302, reverse("wagtailadmin_home"))


@pytest.mark.parametrize("page", CAMPAIGN_PAGES)
def test_a_manager_is_told_a_missing_campaign_is_not_found(client, django_user_model, book, page):
    manager = signed_in(client, django_user_model, "Shop managers")

    assert manager.get(reverse(page, args=[book.pk + 1000])).status_code == 404
    assert manager.get(reverse(page, args=[book.pk])).status_code == 200
