"""Pre-order campaigns from the admin side, in a real browser: an editor puts a new product on
pre-order and buyers can pre-order it straight away; each shop role finds only links and
buttons that work for it; the campaign page shows the release date it has."""

import re
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from shop import preorders
from shop.models import Order, PreOrder, Product
from tests.browser.preorder_form import fill_in_pre_order
from tests.factories import make_order

pytestmark = pytest.mark.browser

PASSWORD = "a-long-password"
# Where the shop's admin screens live; the crawl follows links within these and checks every
# link it finds on them, wherever it points.
SHOP_ADMIN = ("/admin/shop/", "/admin/snippets/shop/")
# Wagtail's words when it sends someone away, or lists what they may not act on.
NO_PERMISSION = re.compile(r"(do not|don&#x27;t|don't) have permission")


def sign_in(browser, base_url: str, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(base_url + "/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return page


def make_user(django_user_model, username: str, group: str):
    """A real user in one of the groups the migrations make (or Wagtail's "Editors")."""
    user = django_user_model.objects.create_user(username, f"{username}@example.com", PASSWORD)
    user.groups.add(Group.objects.get(name=group))
    return user


def test_a_product_put_on_pre_order_in_the_admin_can_be_pre_ordered_at_once(
    demo_site, browser, django_user_model
):
    """Nothing but the product itself is set up: no page is edited. An earlier visitor leaves
    the shop listing in the page cache, which saving the product must retire."""
    django_user_model.objects.create_superuser("editor", "editor@example.com", PASSWORD)
    earlier = browser.new_context()
    earlier.new_page().goto(demo_site + "/shop/")
    earlier.close()

    editor = sign_in(browser, demo_site, "editor")
    editor.goto(demo_site + reverse("wagtailsnippets_shop_product:add"))
    editor.get_by_role("textbox", name="Title*").fill("Canal walks, second edition")
    editor.get_by_role("textbox", name="Slug*").fill("canal-walks-second-edition")
    editor.get_by_role("textbox", name="Short description*").fill("The map, redrawn.")
    # By name: another branch makes the price a field typed in pounds; "18" is valid either way.
    editor.locator("[name=price]").fill("18")
    editor.get_by_role("combobox", name="Status*").select_option(label="Pre-order")
    editor.get_by_role("textbox", name="Release date").fill("2027-06-01")
    editor.keyboard.press("Escape")  # close the date picker
    editor.get_by_role("spinbutton", name="Pre-order cap").fill("50")
    editor.get_by_role("combobox", name="When buyers pay*").select_option(
        label="Reserve, pay later (a payment link is emailed on release)"
    )
    editor.get_by_role("button", name="Save").first.click()
    expect(editor.locator(".messages")).to_contain_text("Canal walks, second edition")
    product = Product.objects.get(slug="canal-walks-second-edition")
    assert product.status == Product.Status.PRE_ORDER

    reader = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    reader.set_default_timeout(15_000)
    reader.goto(demo_site + "/shop/")
    reader.get_by_role("link", name="Canal walks, second edition", exact=True).click()
    reader.get_by_role("link", name="Pre-order “Canal walks, second edition”").click()

    expect(reader.get_by_role("heading", level=1)).to_have_text("Pre-Order Form")
    chosen = reader.get_by_label("What would you like?")
    expect(chosen).to_have_value(str(product.pk))
    campaign = reader.locator(".campaign", has_text="Canal walks, second edition")
    expect(campaign.locator(".campaign__left")).to_have_text("50 of 50 left to pre-order.")
    expect(campaign.locator(".campaign__payment")).to_contain_text("Nothing is charged now")
    expect(campaign.locator(".campaign__payment")).to_contain_text("email you a link to pay")
    expect(reader.locator(".terms")).not_to_contain_text("Reserving is free")

    fill_in_pre_order(reader)
    reader.get_by_label("I have read the terms").check()
    reader.get_by_role("button", name="Place my pre-order").click()

    expect(reader.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(reader.locator(".preorder-summary")).to_contain_text("Canal walks, second edition")
    expect(reader.locator(".preorder-summary")).to_contain_text("Nothing is charged now")
    preorder = PreOrder.objects.get()
    assert (preorder.product, preorder.status) == (product, PreOrder.Status.RESERVED)
    reader.wait_for_load_state("networkidle")
    editor.wait_for_load_state("networkidle")


@pytest.fixture
def shop_with_orders(demo_site):
    """The demo shop with an order and a pre-order, so listings and inspect views have rows."""
    make_order([(Product.objects.get(slug="dirty-old-town-tote-bag"), 1)])
    book = Product.objects.get(slug="dirty-old-town")
    buyer = preorders.Buyer(
        "Ruth Buyer", "ruth@example.com", "1 Canal Street", "", "Salford", "M5 4WT", "GB"
    )
    preorders.place_preorder(book.pk, 1, buyer, "crawl-form-token")
    return demo_site


def shop_menu_links(page) -> set[str]:
    page.locator("nav[aria-label='Main menu']").get_by_role("button", name="Shop").click()
    submenu = page.locator(".sidebar-sub-menu-panel", has_text="Shop")
    expect(submenu.get_by_role("link").first).to_be_visible()
    return set(submenu.locator("a[href]").evaluate_all("links => links.map(a => a.href)"))


def links_and_forms(page, within: str) -> set[str]:
    """Every link and form address in `within` as the browser shows the page (bulk-action
    buttons are taken from the page as served, with a row ticked)."""
    return set(
        page.locator(within).evaluate_all(
            """areas => areas.flatMap(area => [
                ...[...area.querySelectorAll("a[href]:not([data-bulk-action-button])")].map(
                    a => a.href
                ),
                ...[...area.querySelectorAll("form")].map(  // a field named "action" hides
                    form => new URL(form.getAttribute("action") || "", location.href).href
                ),
            ])"""
        )
    )


def links_and_forms_served(html: str, url: str, within: str = "main") -> set[str]:
    """The same, read from the page as served: menus that open on a click are there too (the
    browser takes them out of the page until they open). A bulk-action button is sent with
    the first row ticked."""
    served = BeautifulSoup(html, "html.parser")
    ticked = served.select_one("[data-bulk-action-checkbox]")
    found = set()
    for area in served.select(within):
        for link in area.select("a[href]"):
            href = urljoin(url, link["href"])
            if link.has_attr("data-bulk-action-button") and ticked:
                href += ("&" if "?" in href else "?") + f"id={ticked['data-object-id']}"
            found.add(href)
        found.update(urljoin(url, form.get("action") or "") for form in area.select("form"))
    return found


def refusal(page, url: str) -> tuple[str | None, str]:
    """Why `url` is not a working page for this user (None when it answers 200), and what it
    answered."""
    response = page.request.get(url)
    text = response.text() if "text/html" in response.headers.get("content-type", "") else ""
    if response.status != 200:
        return f"{response.status}", text
    if NO_PERMISSION.search(text):
        return f"'no permission' (ended at {response.url})", text
    return None, text


def crawl_shop_admin(page, base_url: str, start: set[str], limit: int = 100):
    """Visit the shop admin from `start`, following links within it. Returns every link or
    button address seen that does not answer 200 (with the answer it got), and the paths of
    the shop admin pages visited."""
    seen, problems, to_visit, visited = set(), {}, sorted(start), set()
    while to_visit:
        url = to_visit.pop(0)
        parts = urlsplit(url)
        if url in seen or f"{parts.scheme}://{parts.netloc}" != base_url:
            continue  # seen already, or documentation and other sites
        seen.add(url)
        problem, html = refusal(page, url)
        if problem:
            problems[url] = problem
            continue
        if not parts.path.startswith(SHOP_ADMIN) or parts.path in visited or not html:
            continue  # outside the shop admin, a page seen at another address, or a file
        visited.add(parts.path)
        assert len(visited) <= limit, "the shop admin has outgrown the crawl: raise its limit"
        page.goto(url)
        found = links_and_forms(page, "main") | links_and_forms_served(html, url)
        to_visit.extend(sorted(found - seen))
    return problems, visited


@pytest.mark.parametrize("group", ["Shop staff", "Shop managers"])
def test_each_shop_role_sees_only_links_and_buttons_that_work(
    shop_with_orders, browser, django_user_model, group
):
    make_user(django_user_model, "someone", group)
    page = sign_in(browser, shop_with_orders, "someone")
    errors = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))

    panel = links_and_forms(page, "#preorders-panel-heading >> xpath=ancestor::section")
    menu = shop_menu_links(page)
    assert reverse("shop_preorders:index") in {urlsplit(url).path for url in menu}
    problems, visited = crawl_shop_admin(page, shop_with_orders, panel | menu)

    assert problems == {}
    assert errors == []
    order, preorder = Order.objects.get(), PreOrder.objects.get()
    assert {
        reverse("shop_orders:index"),
        reverse("shop_orders:inspect", args=[order.pk]),
        reverse("shop_preorders:index"),
        reverse("shop_preorders:inspect", args=[preorder.pk]),
        reverse("wagtailsnippets_shop_product:list"),
    } <= visited
    campaign = reverse("shop_campaign", args=[preorder.product_id])
    assert (campaign in visited) is (group == "Shop managers")
    page.wait_for_load_state("networkidle")


def test_an_editor_sees_no_shop_and_is_refused_its_screens(
    shop_with_orders, browser, django_user_model
):
    make_user(django_user_model, "writer", "Editors")
    page = sign_in(browser, shop_with_orders, "writer")

    sidebar = page.locator("nav[aria-label='Main menu']")
    expect(sidebar.get_by_role("button", name="Pages")).to_be_visible()
    expect(sidebar.get_by_role("button", name="Shop")).to_have_count(0)
    expect(page.locator("#preorders-panel-heading")).to_have_count(0)
    book = Product.objects.get(slug="dirty-old-town")
    for url in [
        reverse("shop_orders:index"),
        reverse("shop_preorders:index"),
        reverse("shop_preorders:inspect", args=[PreOrder.objects.get().pk]),
        reverse("shop_campaign", args=[book.pk]),
    ]:
        assert refusal(page, shop_with_orders + url)[0], url
    page.wait_for_load_state("networkidle")


def test_the_campaign_page_shows_the_current_release_date(demo_site, browser, django_user_model):
    make_user(django_user_model, "manager", "Shop managers")
    book = Product.objects.get(slug="dirty-old-town")
    page = sign_in(browser, demo_site, "manager")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(demo_site + reverse("shop_campaign", args=[book.pk]))

    assert page.get_by_label("Release date").input_value() == "2027-03-19"
    page.get_by_label("Release date").click()
    expect(page.locator(".xdsoft_datetimepicker").first).to_be_visible()  # the date picker
    assert errors == []
    page.wait_for_load_state("networkidle")


def test_a_release_asks_first_and_before_its_date_needs_a_tick(
    demo_site, browser, django_user_model
):
    """A manager opens the release, reads what it will do, backs out, comes again, is held
    back by the early-release tick, then releases: nobody is emailed until that last click."""
    make_user(django_user_model, "manager", "Shop managers")
    book = Product.objects.get(slug="dirty-old-town")
    Product.objects.filter(pk=book.pk).update(
        release_date=timezone.localdate() + timedelta(days=30)
    )
    for number, email in enumerate(["ruth@example.com", "sam@example.com"], start=1):
        buyer = preorders.Buyer(
            "Ruth Buyer", email, "1 Canal Street", "", "Salford", "M5 4WT", "GB"
        )
        preorders.place_preorder(book.pk, number, buyer, f"release-form-token-{number}")

    def statuses():
        return set(PreOrder.objects.filter(product=book).values_list("status", flat=True))

    page = sign_in(browser, demo_site, "manager")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(demo_site + reverse("shop_campaign", args=[book.pk]))
    main = page.locator("main")

    page.get_by_role("link", name="Release and charge now…").click()
    expect(main).to_contain_text("0 saved cards will be charged, £0.00 in total")
    expect(main).to_contain_text("2 payment links will be emailed")
    expect(main).to_contain_text("The release date is not reached yet")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name="Change the release date")).to_be_visible()
    assert statuses() == {PreOrder.Status.RESERVED}

    page.get_by_role("link", name="Release and charge now…").click()
    release_button = page.get_by_role("button", name="Release: charge 0 cards and send 2 links")
    release_button.click()
    expect(main).to_contain_text("tick the box to release early anyway")
    assert statuses() == {PreOrder.Status.RESERVED}

    page.get_by_label(re.compile("Release now, before the release date of")).check()
    release_button.click()

    expect(main).to_contain_text("0 saved cards queued to charge, 2 payment links sent")
    expect(page.locator(".release-progress")).to_contain_text("Waiting for the buyer to pay: 2")
    page.screenshot(path="test-artifacts/campaign-released.png", full_page=True)
    assert statuses() == {PreOrder.Status.PAYMENT_NEEDED}
    assert errors == []
    page.wait_for_load_state("networkidle")
