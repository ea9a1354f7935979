"""The Pre-Order Form: every bad input refused with a message and nothing lost, and units
that are never oversold."""

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.test import TestCase
from hypothesis import given
from hypothesis import strategies as st

from shop import preorders
from shop.models import PreOrder, Product
from tests.conftest import addressee
from tests.factories import PreOrderProductFactory, ProductFactory, make_preorder_form_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(home):
    return PreOrderProductFactory(title="Dirty Old Town", preorder_cap=10)


@pytest.fixture
def form_page(home, book):
    return make_preorder_form_page(home)


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def fresh_form(client, page):
    """The rendered form's hidden fields (product and one-time token)."""
    html = soup(client.get(page.url))
    return {
        field["name"]: field["value"]
        for field in html.select("form.preorder-form input[type=hidden]")
        if field["name"] != "csrfmiddlewaretoken"
    }


def details(**overrides):
    return {
        "quantity": "2",
        "name": "Ruth Buyer",
        "email": "ruth@example.com",
        "address_line1": "1 Canal Street",
        "address_line2": "",
        "city": "Salford",
        "postcode": "M5 4WT",
        "country": "GB",
        "note": "",
        "consent": "on",
        "website": "",
        **overrides,
    }


def submit(client, page, **overrides):
    data = {**fresh_form(client, page), **details(**overrides)}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(page.url, data)


def errors(response) -> list[str]:
    html = soup(response)
    found = [e.get_text(" ", strip=True) for e in html.select(".error-summary li")]
    return [text for text in found if text]


def test_the_form_shows_what_is_left_of_the_campaign(client, form_page, book):
    html = soup(client.get(form_page.url))

    assert html.h1.text == "Pre-Order Form"
    assert "10 of 10 left to pre-order." in html.select_one(".campaign__left").text
    assert "Pay on release" in html.select_one(".terms").text
    assert html.select_one("input[name=product]")["type"] == "hidden"  # only one product


def test_reserving_takes_units_and_emails_the_buyer_and_staff_once(client, form_page, book):
    response = submit(client, form_page)

    preorder = PreOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(form_page.url + "thanks/")
    assert preorder.status == PreOrder.Status.RESERVED
    assert (preorder.quantity, preorder.unit_price, preorder.shipping) == (2, 1699, 295)
    assert Product.objects.get(pk=book.pk).preorder_reserved == 2
    assert [addressee(m) for m in mail.outbox] == ["ruth@example.com", "shop@quire.localhost"]
    assert preorder.get_absolute_url() in mail.outbox[0].body
    thanks = client.get(response["Location"])
    assert "Thank you!" in thanks.content.decode()
    assert "8 of 10 left" in client.get(form_page.url).content.decode()


def test_a_resubmitted_form_makes_one_pre_order(client, form_page, book):
    data = {**fresh_form(client, form_page), **details()}

    first = client.post(form_page.url, data)
    second = client.post(form_page.url, data)

    assert PreOrder.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert Product.objects.get(pk=book.pk).preorder_reserved == 2


def test_a_used_form_sent_again_from_another_browser_shows_nothing_of_the_pre_order(
    client, form_page, book
):
    """The form's one-time token is in the page the buyer saw (history, a shared computer):
    someone else sending it again gets only "check your email", not the buyer's details."""
    from django.test import Client

    data = {**fresh_form(client, form_page), **details()}
    client.post(form_page.url, data)
    preorder = PreOrder.objects.get()

    replayed = Client().post(form_page.url, data)

    page = replayed.content.decode()
    assert replayed.status_code == 200
    assert "We have emailed the link to this pre-order" in page
    assert preorder.access_token not in page and preorder.email not in page
    assert preorder.reference not in page and preorder.name not in page
    assert PreOrder.objects.count() == 1


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"quantity": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"quantity": "lots"}, "Enter a whole number."),
        ({"quantity": "6"}, "You can pre-order up to 5 of “Dirty Old Town”."),
        ({"consent": ""}, "Please tick to agree to the terms before pre-ordering."),
        ({"name": ""}, "This field is required."),
        ({"country": "XX"}, "Select a valid choice. XX is not one of the available choices."),
        ({"product": "999999"}, "Sorry, that product is not available to pre-order."),
        ({"website": "http://spam.example"}, "looked like an automated submission"),
        ({"form_token": "made-up"}, "This form had expired"),
    ],
)
def test_bad_input_gets_a_message_and_keeps_what_was_typed(
    client, form_page, book, overrides, message
):
    response = submit(client, form_page, **overrides)

    assert response.status_code in (400, 409)
    assert any(message in text for text in errors(response)), errors(response)
    html = soup(response)
    assert html.select_one("input[name=name]").get("value", "") == overrides.get(
        "name", "Ruth Buyer"
    )
    assert html.select_one("input[name=city]")["value"] == "Salford"
    assert PreOrder.objects.count() == 0


def test_every_problem_is_summed_up_at_the_top_with_a_link_to_its_field(client, form_page, book):
    response = submit(client, form_page, quantity="0", postcode="not a postcode")

    summary = soup(response).select_one("form.preorder-form .error-summary")
    assert summary is not None and summary.has_attr("autofocus") and summary["role"] == "alert"
    links = {a["href"]: a.get_text() for a in summary.select("a")}
    assert links == {"#id_quantity": "How many?", "#id_postcode": "Postcode"}


def test_a_problem_with_the_whole_form_is_summed_up_once_without_a_link(client, form_page, book):
    response = submit(client, form_page, website="x")

    summary = soup(response).select_one(".error-summary")
    assert "automated submission" in summary.get_text()
    assert summary.select("a") == []
    assert soup(response).select(".alert") == []  # said once, in the summary


@pytest.mark.parametrize(
    "country, typed, kept",
    [
        ("GB", "m54wt", "M5 4WT"),
        ("GB", " sw1a 1aa ", "SW1A 1AA"),
        ("IE", "D02 X285", "D02 X285"),
        ("US", "10001", "10001"),
    ],
)
def test_a_uk_postcode_is_written_as_royal_mail_writes_it_and_others_as_typed(
    client, form_page, book, country, typed, kept
):
    submit(client, form_page, postcode=typed, country=country)

    assert PreOrder.objects.get().postcode == kept


@pytest.mark.parametrize("typed", ["XXXX", "M5", "12345", "M5 4WTX"])
def test_a_uk_address_without_a_real_postcode_is_refused_before_anything_is_taken(
    client, form_page, book, typed
):
    response = submit(client, form_page, postcode=typed)

    assert "Please enter a full UK postcode, such as M5 4WT." in errors(response)[-1]
    assert PreOrder.objects.count() == 0


def test_the_cap_filling_up_while_the_buyer_types_is_explained(client, form_page, book):
    data = {**fresh_form(client, form_page), **details(quantity="3")}
    Product.objects.filter(pk=book.pk).update(preorder_reserved=8)  # others took 8 meanwhile

    response = client.post(form_page.url, data)

    assert response.status_code == 409
    assert "only 2 of “Dirty Old Town” left to pre-order" in " ".join(errors(response))
    assert PreOrder.objects.count() == 0

    Product.objects.filter(pk=book.pk).update(preorder_reserved=10)
    full = client.post(form_page.url, {**data, **fresh_form(client, form_page)})
    assert "is now full" in " ".join(errors(full))
    assert "Pre-orders are closed: all 10 are spoken for." in full.content.decode()


def test_a_buyers_limit_counts_what_they_already_hold(client, form_page, book):
    submit(client, form_page, quantity="4")

    response = submit(client, form_page, quantity="2", email="RUTH@example.com")

    assert "You already have 4 reserved." in " ".join(errors(response))
    assert PreOrder.objects.count() == 1


def test_a_closed_campaign_accepts_nothing(client, form_page, book):
    data = {**fresh_form(client, form_page), **details()}
    Product.objects.filter(pk=book.pk).update(preorder_open=False)

    response = client.post(form_page.url, data)

    assert "Pre-orders for “Dirty Old Town” are closed." in " ".join(errors(response))
    assert PreOrder.objects.count() == 0


def test_too_many_pre_orders_from_one_email_are_refused(client, form_page, book, settings):
    settings.QUIRE_PREORDER_LIMIT_PER_EMAIL = (2, 3600)
    submit(client, form_page, quantity="1")
    submit(client, form_page, quantity="1")

    response = submit(client, form_page, quantity="1")

    assert response.status_code == 429
    assert "too many pre-orders from you" in " ".join(errors(response))
    assert PreOrder.objects.count() == 2


def test_refused_pre_orders_do_not_use_up_the_limit_of_the_address(
    client, form_page, book, settings
):
    """Twenty refused submissions from one address (behind a proxy, a whole office) must not
    lock out the next buyer there: only pre-orders placed count."""
    settings.QUIRE_PREORDER_LIMIT_PER_IP = (3, 3600)
    for _ in range(20):
        assert submit(client, form_page, quantity="99").status_code == 409  # refused: too many

    response = submit(client, form_page, quantity="1", email="next@example.com")

    assert response.status_code == 302
    assert PreOrder.objects.count() == 1


def test_charge_now_without_a_stripe_key_reserves_nothing(client, form_page, book):
    Product.objects.filter(pk=book.pk).update(preorder_charge_mode="charge_now")

    response = submit(client, form_page)

    assert "Payments are not set up" in " ".join(errors(response))
    assert Product.objects.get(pk=book.pk).preorder_reserved == 0


def campaigns_on(response) -> list[str]:
    return [h2.get_text(strip=True) for h2 in soup(response).select(".campaign h2")]


def test_product_put_on_pre_order_is_offered_by_the_form(client, commit, form_page, book):
    """No second step: saving the product with the status Pre-order is all it takes, and the
    cached product page that showed it on sale is retired when the product is saved."""
    canal = ProductFactory(title="Canal walks", status=Product.Status.ON_SALE)
    client.get(canal.get_absolute_url())
    assert client.get(canal.get_absolute_url())["X-Cache"] == "HIT"
    assert campaigns_on(client.get(form_page.url)) == ["Dirty Old Town"]

    def put_on_pre_order():
        canal.status, canal.preorder_cap = Product.Status.PRE_ORDER, 50
        canal.save()

    commit(put_on_pre_order)

    form = client.get(form_page.url)
    assert campaigns_on(form) == ["Canal walks", "Dirty Old Town"]
    assert form["Cache-Control"] == "private, no-store"
    choices = [option["value"] for option in soup(form).select("select[name=product] option")]
    assert str(canal.pk) in choices
    product_page = client.get(canal.get_absolute_url())
    assert product_page.get("X-Cache") != "HIT"
    assert "Pre-order “Canal walks”" in product_page.content.decode()
    link = client.get(f"/shop/pre-order/?product={canal.slug}")
    assert link["Location"] == f"{form_page.url}?product={canal.slug}"


def test_products_not_on_pre_order_are_not_offered(client, form_page, book):
    for status in [Product.Status.ON_SALE, Product.Status.SOLD_OUT, Product.Status.HIDDEN]:
        ProductFactory(title=f"A {status} product", status=status)

    assert campaigns_on(client.get(form_page.url)) == ["Dirty Old Town"]


def test_preorder_link_preselects_the_product_it_names(client, form_page, book):
    canal = PreOrderProductFactory(title="Canal walks")

    html = soup(client.get(f"{form_page.url}?product={canal.slug}"))

    assert html.select_one("select[name=product] option[selected]")["value"] == str(canal.pk)
    assert html.select(".message") == []


@pytest.mark.parametrize(
    "made, message",
    [
        (
            lambda: PreOrderProductFactory(title="Canal walks", preorder_open=False),
            "Sorry, pre-orders for “Canal walks” are closed.",
        ),
        (
            lambda: PreOrderProductFactory(
                title="Canal walks", preorder_cap=3, preorder_reserved=3
            ),
            "Sorry, “Canal walks” cannot be pre-ordered any more: all 3 are spoken for.",
        ),
        (
            lambda: ProductFactory(title="Canal walks", status=Product.Status.SOLD_OUT),
            "Sorry, “Canal walks” is sold out, so it cannot be pre-ordered.",
        ),
        (
            lambda: ProductFactory(title="Canal walks", status=Product.Status.ON_SALE),
            "“Canal walks” is not a pre-order: it is on sale now, in the shop.",
        ),
        (
            lambda: ProductFactory(title="Canal walks", status=Product.Status.HIDDEN),
            "Sorry, the product this link is for cannot be pre-ordered.",
        ),
        (lambda: None, "Sorry, the product this link is for cannot be pre-ordered."),
    ],
    ids=["closed", "full", "sold-out", "on-sale", "hidden", "unknown"],
)
def test_preorder_link_for_a_product_not_offered_says_so(client, form_page, book, made, message):
    """The link lands on the form with the reason, never with another product chosen."""
    product = made()
    slug = product.slug if product else "no-such-thing"

    response = client.get(f"/shop/pre-order/?product={slug}", follow=True)

    html = soup(response)
    assert response.status_code == 200
    assert [" ".join(m.get_text().split()) for m in html.select(".message")] == [message]
    assert html.select_one("input[name=product]") is None  # not even the only campaign
    chosen = html.select("select[name=product] option[selected]")
    assert [option["value"] for option in chosen] in ([], [""])
    assert html.select_one("select[name=product] option")["value"] == ""


def test_a_buyer_sent_by_such_a_link_is_asked_to_choose(client, form_page, book):
    url = f"{form_page.url}?product=no-such-thing"
    data = {**fresh_form(client, form_page), **details(), "product": ""}

    response = client.post(url, data)

    assert response.status_code == 400
    product_errors = soup(response).select("#div_id_product .invalid-feedback")
    assert [e.get_text(strip=True) for e in product_errors] == ["This field is required."]
    assert PreOrder.objects.count() == 0
    chosen = client.post(url, {**data, **fresh_form(client, form_page), "product": book.pk})
    assert chosen.status_code == 302


def test_each_offered_product_says_when_the_buyer_pays(client, form_page, book):
    from datetime import date

    Product.objects.filter(pk=book.pk).update(release_date=date(2027, 3, 19))
    PreOrderProductFactory(title="Charged now", preorder_charge_mode="charge_now", price=2000)
    PreOrderProductFactory(title="Card on release", preorder_charge_mode="on_release")

    html = soup(client.get(form_page.url))

    said = {
        campaign.h2.get_text(strip=True): campaign.select_one(".campaign__payment").text
        for campaign in html.select(".campaign")
    }
    assert said == {
        "Charged now": "You pay £20.00 each plus delivery now, with Stripe, as you place the "
        "pre-order. If you cancel before release, it is refunded in full.",
        "Card on release": "Your card is saved with Stripe now and charged £16.99 each plus "
        "delivery on release. Nothing is charged before then, and cancelling is free until "
        "then.",
        "Dirty Old Town": "Nothing is charged now and no card is needed. On release (planned "
        "for 19 March 2027) we email you a link to pay £16.99 each plus delivery. Cancelling "
        "is free until then.",
    }


def test_the_confirmation_says_when_the_buyer_pays_what_they_owe(client, form_page, book):
    response = submit(client, form_page)

    thanks = soup(client.get(response["Location"]))

    said = "Nothing is charged now and no card is needed. On release we email you a link to pay "
    assert said + "£36.93. Cancelling is free until then." in thanks.select_one(
        ".preorder-summary"
    ).get_text(" ", strip=True)
    assert said + "£36.93." in " ".join(mail.outbox[0].body.split())  # wrapped at 72


def test_pre_order_links_find_the_form(client, form_page, book):
    response = client.get(f"/shop/pre-order/?product={book.slug}")

    assert response["Location"] == f"{form_page.url}?product={book.slug}"


def test_a_wrong_pre_order_token_is_a_404(client, form_page, book):
    submit(client, form_page)
    preorder = PreOrder.objects.get()

    assert client.get(f"/shop/pre-orders/{preorder.reference}/wrong/").status_code == 404
    assert client.get(preorder.get_absolute_url()).status_code == 200


# The arithmetic of limits and caps ---------------------------------------------------------

caps = st.one_of(st.none(), st.integers(min_value=0, max_value=1000))


@given(cap=caps, reserved=st.integers(0, 1000), limit=st.integers(1, 50), held=st.integers(0, 60))
def test_units_allowed_never_breaks_the_cap_or_the_limit(cap, reserved, limit, held):
    allowed = preorders.units_allowed(cap, reserved, limit, held)

    assert allowed >= 0
    assert allowed <= max(0, limit - held)
    if cap is not None:
        assert allowed <= max(0, cap - reserved)


@given(
    cap=caps,
    reserved=st.integers(0, 1000),
    limit=st.integers(1, 50),
    held=st.integers(0, 60),
    quantity=st.integers(-5, 100),
)
def test_a_quantity_is_accepted_exactly_when_it_is_allowed(cap, reserved, limit, held, quantity):
    product = Product(
        title="Book",
        status=Product.Status.PRE_ORDER,
        preorder_cap=cap,
        preorder_reserved=min(reserved, cap) if cap is not None else reserved,
        preorder_per_buyer_limit=limit,
    )
    allowed = preorders.units_allowed(product.preorder_cap, product.preorder_reserved, limit, held)
    try:
        preorders.check_quantity(product, quantity, held)
    except preorders.PreOrderError:
        accepted = False
    else:
        accepted = True

    assert accepted == (1 <= quantity <= allowed)


# Charge now, against the local Stripe server ------------------------------------------------


@pytest.fixture
def charge_now_book(book):
    Product.objects.filter(pk=book.pk).update(preorder_charge_mode="charge_now")
    return Product.objects.get(pk=book.pk)


def test_charge_now_sends_the_buyer_to_stripe_and_the_payment_confirms_it(
    client, form_page, charge_now_book, fake_stripe, smtp_inbox
):
    response = submit(client, form_page)
    preorder = PreOrder.objects.get()
    assert response["Location"] == fake_stripe.pay_url(preorder.stripe_session_id)
    assert preorder.status == PreOrder.Status.AWAITING_PAYMENT
    assert smtp_inbox.messages == []  # nothing confirmed before payment

    success = fake_stripe.pay(preorder.stripe_session_id)
    path = success.split("://", 1)[1].split("/", 1)[1]
    with TestCase.captureOnCommitCallbacks(execute=True):
        landing = client.get("/" + path)

    preorder.refresh_from_db()
    assert landing["Location"] == preorder.get_absolute_url()
    assert preorder.status == PreOrder.Status.PAID
    assert preorder.stripe_payment_intent_id.startswith("pi_")
    assert smtp_inbox.recipients() == ["ruth@example.com", "shop@quire.localhost"]
    page = client.get(preorder.get_absolute_url()).content.decode()
    assert "Paid in full" in page


def test_an_unpaid_charge_now_pre_order_gives_its_units_back_when_stripe_expires_it(
    client, form_page, charge_now_book, fake_stripe
):
    from django.urls import reverse

    from shop import payments
    from tests.shop.stripe_events import checkout_session, event, signed

    submit(client, form_page, quantity="3")
    preorder = PreOrder.objects.get()
    assert Product.objects.get(pk=charge_now_book.pk).preorder_reserved == 3
    payments.expire_checkout_session(preorder.stripe_session_id)
    session = checkout_session(
        preorder.stripe_session_id, status="expired", payment_status="unpaid"
    )
    session["metadata"] = {"kind": "preorder", "reference": preorder.reference}
    body, signature = signed(event("checkout.session.expired", session))

    response = client.post(
        reverse("shop:stripe_webhook"),
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )

    assert b"is expired" in response.content
    preorder.refresh_from_db()
    assert preorder.status == PreOrder.Status.EXPIRED
    assert Product.objects.get(pk=charge_now_book.pk).preorder_reserved == 0


def test_stripe_unreachable_at_pre_order_time_reserves_nothing(
    client, form_page, charge_now_book, settings
):
    settings.STRIPE_SECRET_KEY = "sk_test_quire"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    response = submit(client, form_page)

    assert "could not reach the payment service" in " ".join(errors(response))
    assert soup(response).select_one("input[name=city]")["value"] == "Salford"
    assert Product.objects.get(pk=charge_now_book.pk).preorder_reserved == 0
    assert PreOrder.objects.get().status == PreOrder.Status.CANCELLED


def test_staff_cannot_lower_a_cap_below_what_is_already_pre_ordered(book):
    from django.core.exceptions import ValidationError

    Product.objects.filter(pk=book.pk).update(preorder_reserved=8)
    book.refresh_from_db()
    book.preorder_cap = 5

    with pytest.raises(ValidationError, match="8 units are already pre-ordered"):
        book.full_clean()


def test_the_database_refuses_more_units_than_the_cap(book):
    from django.db import IntegrityError, transaction
    from django.db.models import F

    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=book.pk).update(preorder_reserved=F("preorder_cap") + 1)


def test_staff_list_filter_search_inspect_and_export_pre_orders(
    admin_client, client, form_page, book
):
    import csv
    import io

    from django.urls import reverse

    submit(client, form_page, quantity="2")
    submit(client, form_page, quantity="1", email="other@example.com", country="FR")
    ruth = PreOrder.objects.get(email="ruth@example.com")

    listing = admin_client.get(reverse("shop_preorders:index")).content.decode()
    assert ruth.reference in listing
    french = admin_client.get(reverse("shop_preorders:index"), {"country": "FR"}).content.decode()
    assert ruth.reference not in french
    found = admin_client.get(reverse("shop_preorders:index"), {"q": "ruth@"}).content.decode()
    assert ruth.reference in found
    inspect = admin_client.get(reverse("shop_preorders:inspect", args=[ruth.pk])).content.decode()
    assert "1 Canal Street" in inspect
    export = admin_client.get(reverse("shop_preorders:index"), {"export": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    address = {row["Reference"]: row["Address"] for row in rows}[ruth.reference]
    assert address.endswith("M5 4WT, United Kingdom")
    assert admin_client.get(reverse("shop_preorders:edit", args=[ruth.pk])).status_code in (
        302,
        403,
    )


def test_pre_order_links_with_no_form_to_go_to_explain_themselves(client, home):
    response = client.get("/shop/pre-order/?product=nothing")

    assert response.status_code == 404
    assert "Nothing to pre-order just now" in response.content.decode()
