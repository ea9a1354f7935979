"""A buyer's whole journey in a real browser, from an article to a paid order, and the staff
side: an admin adds a product and sees the order."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from shop.models import Order, Product
from tests.browser.preorder_form import fill_in_pre_order

pytestmark = pytest.mark.browser


@pytest.fixture
def shop_ready(demo_site, fake_stripe, smtp_inbox, live_server, settings):
    """The demo site taking payments through the local Stripe server, whose webhooks reach the
    live server, and sending email to a real SMTP server."""
    fake_stripe.register_webhook(
        live_server.url + reverse("shop:stripe_webhook"), settings.STRIPE_WEBHOOK_SECRET
    )
    return demo_site


def test_buyer_goes_from_an_article_to_a_paid_order(shop_ready, fake_stripe, smtp_inbox, browser):
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(shop_ready + "/blog/a-launch-night-to-remember/")

    tote = page.locator(".featured-product", has_text="Dirty Old Town tote bag")
    tote.get_by_role("button", name="Add to basket").click()

    expect(page).to_have_url(shop_ready + "/shop/basket/")
    expect(page.locator(".message")).to_have_text("Added “Dirty Old Town tote bag” to your basket.")
    expect(page.locator(".menu [data-basket-count]")).to_have_text("1")

    page.get_by_label("Quantity of Dirty Old Town tote bag").fill("2")
    page.get_by_role("button", name="Update", exact=True).click()
    expect(page.locator(".menu [data-basket-count]")).to_have_text("2")
    expect(page.locator(".basket-total td")).to_have_text("£28.95")  # 2 × £12.00 + £4.95

    page.get_by_label("Email for your receipt").fill("buyer@example.com")
    page.get_by_role("button", name="Pay £28.95 securely with Stripe").click()

    expect(page.locator("body")).to_contain_text("28.95")  # the hosted payment page
    page.get_by_role("button", name="Pay", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Order Q-")
    expect(page.locator(".order-status")).to_contain_text("your payment is confirmed")
    order = Order.objects.get()
    assert order.status == Order.Status.PAID
    assert order.total == 2895
    assert Product.objects.get(slug="dirty-old-town-tote-bag").stock == 38
    fake_stripe.wait_for_deliveries()
    assert smtp_inbox.recipients() == ["buyer@example.com", "shop@quire.localhost"]
    page.reload()
    expect(page.locator(".menu [data-basket-count]")).to_have_text("")
    page.wait_for_load_state("networkidle")  # no request left running into teardown
    page.close()


def test_admin_adds_a_product_and_sees_an_order(shop_ready, browser, django_user_model):
    django_user_model.objects.create_superuser("staff", "staff@example.com", "a-long-password")
    from tests.factories import make_order

    order = make_order([(Product.objects.get(slug="dirty-old-town-tote-bag"), 1)])
    page = browser.new_page()
    page.set_default_timeout(15_000)

    page.goto(shop_ready + "/admin/login/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("a-long-password")
    page.get_by_role("button", name="Sign in").click()

    page.goto(shop_ready + reverse("wagtailsnippets_shop_product:add"))
    page.get_by_role("textbox", name="Title*").fill("Canal walks, second edition")
    page.get_by_role("textbox", name="Slug*").fill("canal-walks-second-edition")
    page.get_by_role("textbox", name="Short description*").fill("The map, redrawn.")
    page.get_by_role("textbox", name="Price*").fill("18.00")
    page.get_by_role("combobox", name="Status*").select_option("on_sale")
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator("body")).to_contain_text("Canal walks, second edition")
    assert Product.objects.get(slug="canal-walks-second-edition").price == 1800

    page.goto(shop_ready + reverse("shop_orders:index"))
    expect(page.locator("body")).to_contain_text(order.reference)
    page.wait_for_load_state("networkidle")  # no request left running into teardown
    page.close()


def test_reader_pre_orders_the_book_from_its_post(demo_site, browser):
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(demo_site + "/blog/where-dirty-old-town-began/")

    page.get_by_role("link", name="Pre-order “Dirty Old Town”").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pre-Order Form")
    expect(page.locator(".campaign__left")).to_have_text("300 of 300 left to pre-order.")

    fill_in_pre_order(page, quantity="2")
    page.get_by_role("button", name="Place my pre-order").click()
    consent = page.get_by_label("I have read the terms")
    assert consent.evaluate("box => box.validity.valueMissing")  # the browser asks first
    expect(page.get_by_label("Full name")).to_have_value("Ruth Reader")

    page.get_by_label("I have read the terms").check()
    page.get_by_role("button", name="Place my pre-order").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(page.locator(".order-status")).to_contain_text("Reserved. Nothing has been charged")
    from shop.models import PreOrder

    assert PreOrder.objects.get().quantity == 2
    page.wait_for_load_state("networkidle")
    page.close()


def test_a_buyer_quicker_than_the_basket_token_still_adds_at_once(demo_site, browser):
    """The buy buttons get their token from a small request after the (cached) page loads; a
    click before it answers waits for it instead of landing on the confirmation page."""
    import time

    page = browser.new_page()
    page.set_default_timeout(15_000)

    def slow_token(route):
        time.sleep(1.5)
        route.continue_()

    page.route("**/shop/basket/count/", slow_token)
    page.goto(demo_site + "/shop/products/dirty-old-town-tote-bag/", wait_until="domcontentloaded")
    page.get_by_role("button", name="Add to basket").click()

    expect(page).to_have_url(demo_site + "/shop/basket/")
    expect(page.locator(".message")).to_have_text("Added “Dirty Old Town tote bag” to your basket.")
    page.wait_for_load_state("networkidle")
    page.close()


def test_buyer_goes_back_from_stripe_and_pays_again_without_being_locked_out(
    shop_ready, fake_stripe, browser
):
    """The last unit, taken to Stripe, abandoned with the browser's Back button, then bought:
    the buyer is never told it sold out, and pays once."""
    Product.objects.filter(slug="dirty-old-town-tote-bag").update(stock=1)
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(shop_ready + "/shop/products/dirty-old-town-tote-bag/")
    page.get_by_role("button", name="Add to basket").click()
    expect(page).to_have_url(shop_ready + "/shop/basket/")
    page.get_by_label("Email for your receipt").fill("buyer@example.com")
    page.get_by_role("button", name="securely with Stripe").click()
    expect(page.locator("body")).to_contain_text("16.95")  # the hosted payment page

    page.go_back()
    page.reload()  # what the basket says now, not the browser's copy
    expect(page.locator("main")).not_to_contain_text("Sold out")
    page.get_by_label("Email for your receipt").fill("buyer@example.com")
    page.get_by_role("button", name="securely with Stripe").click()
    page.get_by_role("button", name="Pay", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Order Q-")
    statuses = sorted(Order.objects.values_list("status", flat=True))
    assert statuses == [Order.Status.CANCELLED, Order.Status.PAID]
    assert Product.objects.get(slug="dirty-old-town-tote-bag").stock == 0
    page.wait_for_load_state("networkidle")
    page.close()


def test_buyer_pays_for_a_tote_and_pre_orders_the_book_in_one_checkout(
    shop_ready, fake_stripe, smtp_inbox, browser
):
    """One basket for both: the tote is paid and sent now; the book's campaign saves the card
    with that payment and charges it on release."""
    from shop.models import PreOrder

    Product.objects.filter(slug="dirty-old-town").update_and_retire_pages(
        preorder_charge_mode="on_release"
    )
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(shop_ready + "/shop/products/dirty-old-town-tote-bag/")
    page.locator("main form.buy-form").get_by_role("button", name="Add to basket").click()
    expect(page).to_have_url(shop_ready + "/shop/basket/")  # before going on: no race
    page.goto(shop_ready + "/shop/products/dirty-old-town/")
    page.locator("main form.buy-form").get_by_role("button", name="Add to basket").click()

    expect(page).to_have_url(shop_ready + "/shop/basket/")
    expect(page.locator(".menu [data-basket-count]")).to_have_text("2")
    expect(page.locator(".line-preorder")).to_contain_text("charged £19.94 (with its delivery)")
    expect(page.locator(".basket-total td")).to_have_text("£36.89")  # £16.95 now, £19.94 later
    page.screenshot(path="test-artifacts/mixed-basket-basket.png", full_page=True)
    page.get_by_label("Email for your receipt").fill("buyer@example.com")
    page.get_by_role("button", name="Pay £16.95 securely with Stripe").click()

    expect(page.locator("body")).to_contain_text("16.95")  # only the tote, on Stripe's page
    page.get_by_role("button", name="Pay", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Order Q-")
    preorders = page.locator(".order-preorders")
    expect(preorders).to_contain_text("1 × Dirty Old Town")
    expect(preorders).to_contain_text("Your card is charged £19.94 on release (19 March 2027).")
    page.screenshot(path="test-artifacts/mixed-basket-order.png", full_page=True)
    order = Order.objects.get()
    preorder = order.preorders.get()
    assert (order.status, order.total) == (Order.Status.PAID, 1695)
    assert preorder.status == PreOrder.Status.CARD_SAVED
    assert preorder.stripe_payment_method_id.startswith("pm_")
    assert Product.objects.get(slug="dirty-old-town").preorder_reserved == 1
    fake_stripe.wait_for_deliveries()
    assert smtp_inbox.recipients() == ["buyer@example.com", "shop@quire.localhost"]

    preorders.get_by_role("link", name="1 × Dirty Old Town").click()
    expect(page.locator(".order-status")).to_contain_text("Your card is saved")
    page.wait_for_load_state("networkidle")
    page.close()
