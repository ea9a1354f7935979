"""An editor adds a product in the Wagtail admin as a person would, and shoppers can buy it."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from shop.models import Product
from tests.factories import make_image

pytestmark = pytest.mark.browser


def choose_image(page, chooser, title: str):
    """Open an image chooser, find the image by searching for its title and pick it."""
    chooser.get_by_role("button", name="Choose an image").click()
    modal = page.locator(".modal-dialog")
    modal.get_by_label("Search term").fill(title)
    modal.get_by_title(title, exact=True).click()  # the demo has a "Towpath in the mist" too
    expect(modal).to_be_hidden()
    expect(chooser.locator(".chooser__title")).to_have_text(title)


def test_editor_adds_a_product_with_pictures_and_a_shopper_buys_it(
    demo_site, page, django_user_model
):
    django_user_model.objects.create_superuser("editor", "editor@example.com", "a-long-password")
    for title in ["Canal cover", "Canal towpath", "Canal lock"]:
        make_image(title)
    page.goto(demo_site + "/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-password")
    page.get_by_role("button", name="Sign in").click()

    page.goto(demo_site + reverse("wagtailsnippets_shop_product:add"))
    page.get_by_role("textbox", name="Title*").press_sequentially("Canal Walks: Second Edition")
    expect(page.get_by_role("textbox", name="Slug*")).to_have_value("canal-walks-second-edition")
    page.get_by_role("textbox", name="Short description*").fill("The map, redrawn.")
    choose_image(page, page.locator("[data-contentpath=cover_image]"), "Canal cover")
    for number, title in enumerate(["Canal towpath", "Canal lock"]):
        page.get_by_role("button", name="Add Gallery").click()
        choose_image(page, page.locator(f"#inline_child_gallery_images-{number}"), title)
    page.get_by_role("textbox", name="Price*").fill("18.50")
    page.get_by_role("spinbutton", name="Stock", exact=True).fill("5")
    page.get_by_role("combobox", name="Status*").select_option(label="On sale")
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator(".messages")).to_contain_text("Canal Walks: Second Edition")

    product = Product.objects.get(slug="canal-walks-second-edition")
    assert (product.price, product.stock, product.status) == (1850, 5, Product.Status.ON_SALE)
    assert product.cover_image.title == "Canal cover"
    gallery = [item.image.title for item in product.gallery_images.all()]
    assert gallery == ["Canal towpath", "Canal lock"]

    page.goto(demo_site + reverse("wagtailsnippets_shop_product:edit", args=[product.pk]))
    expect(page.get_by_role("textbox", name="Price*")).to_have_value("18.50")
    cover = page.locator("[data-contentpath=cover_image]")
    expect(cover.locator(".chooser__title")).to_have_text("Canal cover")
    expect(page.locator("[data-inline-panel-child] .chooser__title")).to_have_text(gallery)
    title = page.get_by_role("textbox", name="Title*")
    title.press("End")
    title.press_sequentially(", revised")
    title.press("Tab")
    expect(title).to_have_value("Canal Walks: Second Edition, revised")
    page.wait_for_timeout(500)  # Wagtail applies a title to the slug 100 ms after the last key
    expect(page.get_by_role("textbox", name="Slug*")).to_have_value("canal-walks-second-edition")

    page.goto(demo_site + "/shop/")
    card = page.locator(".product-card", has_text="Canal Walks: Second Edition")
    expect(card.locator(".price")).to_have_text("£18.50")
    card.get_by_role("link", name="Canal Walks: Second Edition").click()
    expect(page).to_have_url(demo_site + "/shop/products/canal-walks-second-edition/")
    expect(page.locator(".product__price")).to_have_text("£18.50")
    page.get_by_role("button", name="Add to basket").click()

    expect(page).to_have_url(demo_site + "/shop/basket/")
    line = page.locator(".basket-lines tbody tr", has_text="Canal Walks: Second Edition")
    expect(line.locator(".basket-line__price")).to_contain_text("£18.50")  # "each" on a phone
    page.wait_for_load_state("networkidle")  # no request left running into teardown


def test_editor_gives_a_product_sizes_and_a_shopper_chooses_one(demo_site, page, django_user_model):
    """The variants inline as an editor uses it: add rows, type each one's name, SKU, price in
    pounds and stock, save; the product page then offers them."""
    django_user_model.objects.create_superuser("editor", "editor@example.com", "a-long-password")
    page.goto(demo_site + "/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-password")
    page.get_by_role("button", name="Sign in").click()
    tote = Product.objects.get(slug="dirty-old-town-tote-bag")

    page.goto(demo_site + reverse("wagtailsnippets_shop_product:edit", args=[tote.pk]))
    page.get_by_role("textbox", name="Variants are chosen by*").fill("Colour")
    for number, (name, sku, price, stock) in enumerate(
        [("Natural", "TOTE-NAT", "", "7"), ("Black", "TOTE-BLA", "13.50", "2")]
    ):
        page.get_by_role("button", name="Add Variant").click()
        row = page.locator(f"#inline_child_variants-{number}")
        row.get_by_role("textbox", name="Name*").fill(name)
        row.get_by_role("textbox", name="SKU").fill(sku)
        row.get_by_role("textbox", name="Price").fill(price)
        row.get_by_role("spinbutton", name="Stock").fill(stock)
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator(".messages")).to_contain_text("Dirty Old Town tote bag")

    tote.refresh_from_db()
    assert (tote.has_variants, tote.stock) == (True, 9)  # the sum of the colours'
    assert [(v.name, v.sku, v.price) for v in tote.variants.all()] == [
        ("Natural", "TOTE-NAT", None),
        ("Black", "TOTE-BLA", 1350),
    ]
    page.goto(demo_site + tote.get_absolute_url())
    page.get_by_label("Colour").select_option(label="Black: £13.50")
    page.get_by_role("button", name="Add to basket").click()
    expect(page.locator(".message")).to_have_text(
        "Added “Dirty Old Town tote bag (Black)” to your basket."
    )
    expect(page.locator(".basket-line__price")).to_contain_text("£13.50")
