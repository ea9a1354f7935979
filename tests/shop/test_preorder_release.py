"""Save a card now, charge it on release: against the local Stripe server, with the emails
going to a real SMTP server."""

from datetime import date

import pytest
from django.test import TestCase

from shop import payments, preorders
from shop.models import PreOrder, Product
from tests.conftest import addressee
from tests.factories import PreOrderProductFactory, make_preorder_form_page
from tests.shop.test_preorders import submit

pytestmark = pytest.mark.django_db

DECLINES_AT_RELEASE = "4000008260003178"  # saves fine, "insufficient funds" when charged
NEEDS_AUTHENTICATION = "4000002760003184"  # saves fine, the bank asks to authenticate later


@pytest.fixture
def book(home):
    return PreOrderProductFactory(
        title="Dirty Old Town", preorder_cap=100, preorder_charge_mode="on_release"
    )


@pytest.fixture
def form_page(home, book):
    return make_preorder_form_page(home)


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def pre_order_with_card(client, form_page, fake_stripe, card="4242424242424242", **details):
    response = submit(client, form_page, **details)
    preorder = PreOrder.objects.get(email=details.get("email", "ruth@example.com"))
    assert response["Location"] == fake_stripe.pay_url(preorder.stripe_session_id)
    assert preorder.status == PreOrder.Status.AWAITING_CARD
    landing = fake_stripe.save_card(preorder.stripe_session_id, card_number=card)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.get(path_of(landing))
    preorder.refresh_from_db()
    return preorder


def release(book):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return preorders.release(Product.objects.get(pk=book.pk))


def charges_for(customer: str) -> list:
    """Every PaymentIntent Stripe holds for this customer."""
    every = payments._client().v1.payment_intents.list(params={"limit": 100})
    return [intent for intent in every.data if intent.customer == customer]


def test_saving_a_card_charges_nothing_and_confirms_the_pre_order(
    client, form_page, book, fake_stripe, smtp_inbox
):
    preorder = pre_order_with_card(client, form_page, fake_stripe)

    assert preorder.status == PreOrder.Status.CARD_SAVED
    assert preorder.stripe_customer_id.startswith("cus_")
    assert preorder.stripe_payment_method_id.startswith("pm_")
    assert charges_for(preorder.stripe_customer_id) == []
    assert smtp_inbox.recipients() == ["ruth@example.com", "shop@quire.localhost"]
    page = client.get(preorder.get_absolute_url()).content.decode()
    assert "Your card is saved" in page


def test_the_confirmation_of_a_saved_card_says_it_is_charged_on_release(
    client, form_page, book, fake_stripe, smtp_inbox
):
    preorder = pre_order_with_card(client, form_page, fake_stripe)

    confirmation = next(m for m in smtp_inbox.messages if addressee(m) == "ruth@example.com")
    for part in ("plain", "html"):
        body = " ".join(confirmation.get_body((part,)).get_content().split())
        assert f"Your card is saved with Stripe now and charged {preorder.total_display}" in body
        assert "link to pay" not in body


def test_release_charges_saved_cards_once_however_often_it_runs(
    client, form_page, book, fake_stripe, smtp_inbox
):
    preorder = pre_order_with_card(client, form_page, fake_stripe)

    first = release(book)
    second = release(book)

    preorder.refresh_from_db()
    assert preorder.status == PreOrder.Status.PAID
    assert (first.to_charge, second.to_charge, second.settled) == (1, 0, 1)
    charges = charges_for(preorder.stripe_customer_id)
    assert [(c.amount, c.status) for c in charges] == [(preorder.total, "succeeded")]
    subjects = [m["Subject"] for m in smtp_inbox.messages]
    assert (
        subjects.count(f"Dirty Old Town is out: your pre-order {preorder.reference} is paid") == 1
    )


def test_a_crash_after_charging_does_not_charge_again(client, form_page, book, fake_stripe):
    """Stripe charged, but we never recorded it: the rerun's idempotency key gets the same
    payment back instead of a second charge."""
    preorder = pre_order_with_card(client, form_page, fake_stripe)
    payments.charge_saved_card(
        customer=preorder.stripe_customer_id,
        payment_method=preorder.stripe_payment_method_id,
        amount=preorder.total,
        currency=preorder.currency,
        reference=preorder.reference,
        idempotency_key=f"release-{preorder.reference}",
    )

    release(book)

    preorder.refresh_from_db()
    assert preorder.status == PreOrder.Status.PAID
    assert len(charges_for(preorder.stripe_customer_id)) == 1


def test_a_declined_card_at_release_asks_the_buyer_to_pay_and_they_can(
    client, form_page, book, fake_stripe, smtp_inbox
):
    preorder = pre_order_with_card(client, form_page, fake_stripe, card=DECLINES_AT_RELEASE)

    release(book)
    release(book)

    preorder.refresh_from_db()
    assert preorder.status == PreOrder.Status.PAYMENT_NEEDED
    assert "insufficient funds" in preorder.payment_problem
    needed = [m for m in smtp_inbox.messages if "please pay" in m["Subject"]]
    assert len(needed) == 1
    assert preorder.get_absolute_url() in needed[0].get_body(("plain",)).get_content()

    response = client.post(preorder.get_absolute_url() + "pay/")
    session_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    landing = fake_stripe.pay(session_id)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.get(path_of(landing))

    preorder.refresh_from_db()
    assert preorder.status == PreOrder.Status.PAID


def test_a_bank_asking_for_authentication_at_release_needs_the_buyer(
    client, form_page, book, fake_stripe, smtp_inbox
):
    preorder = pre_order_with_card(client, form_page, fake_stripe, card=NEEDS_AUTHENTICATION)

    release(book)

    preorder.refresh_from_db()
    assert preorder.status == PreOrder.Status.PAYMENT_NEEDED


def test_stripe_down_on_release_day_leaves_cards_to_charge_on_the_next_run(
    client, form_page, book, fake_stripe, settings
):
    preorder = pre_order_with_card(client, form_page, fake_stripe)
    api_base = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    down = release(book)

    preorder.refresh_from_db()
    assert (down.to_charge, preorder.status) == (1, PreOrder.Status.CARD_SAVED)
    settings.STRIPE_API_BASE = api_base
    assert release(book).to_charge == 1
    preorder.refresh_from_db()
    assert preorder.status == PreOrder.Status.PAID


def test_reserved_pre_orders_get_a_payment_link_on_release(client, home, smtp_inbox, settings):
    book = PreOrderProductFactory(title="Reserve me", preorder_charge_mode="reserve")
    page = make_preorder_form_page(home, slug="reserve")
    submit(client, page)

    summary = release(book)

    preorder = PreOrder.objects.get()
    assert summary.links_sent == 1
    assert preorder.status == PreOrder.Status.PAYMENT_NEEDED
    assert any("please pay" in m["Subject"] for m in smtp_inbox.messages)


def test_the_release_command_prints_progress_and_a_summary(client, form_page, book, fake_stripe):
    from io import StringIO

    from django.core.management import call_command

    pre_order_with_card(client, form_page, fake_stripe)
    out = StringIO()

    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("release_preorders", book.slug, stdout=out)

    assert "1 saved card queued to charge, 0 payment links sent" in out.getvalue()
    assert "Now: 1 card(s) still to charge, 0 waiting for the buyer, 0 paid." in out.getvalue()
    assert PreOrder.objects.get().status == PreOrder.Status.PAID  # by the task, after commit


# The buyer's own page: cancel or change the address before release -------------------------


def test_cancelling_after_paying_refunds_and_frees_the_units(client, home, fake_stripe, smtp_inbox):
    book = PreOrderProductFactory(title="Paid book", preorder_charge_mode="charge_now")
    page = make_preorder_form_page(home, slug="charge-now")
    submit(client, page, quantity="2")
    preorder = PreOrder.objects.get()
    landing = fake_stripe.pay(preorder.stripe_session_id)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.get(path_of(landing))

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(preorder.get_absolute_url() + "cancel/", follow=True)

    preorder.refresh_from_db()
    assert preorder.status == PreOrder.Status.REFUNDED
    assert Product.objects.get(pk=book.pk).preorder_reserved == 0
    assert "Your pre-order is cancelled." in response.content.decode()
    cancelled = [m for m in smtp_inbox.messages if "is cancelled" in m["Subject"]]
    assert len(cancelled) == 1
    assert "refunded" in cancelled[0].get_body(("plain",)).get_content()


def test_cancelling_a_saved_card_pre_order_charges_nothing(client, form_page, book, fake_stripe):
    preorder = pre_order_with_card(client, form_page, fake_stripe)

    client.post(preorder.get_absolute_url() + "cancel/")
    release(book)

    preorder.refresh_from_db()
    assert preorder.status == PreOrder.Status.CANCELLED
    assert charges_for(preorder.stripe_customer_id) == []


def test_after_release_a_buyer_charged_on_release_cannot_cancel_here(
    client, form_page, book, fake_stripe
):
    preorder = pre_order_with_card(client, form_page, fake_stripe)
    release(book)

    page = client.get(preorder.get_absolute_url()).content.decode()
    response = client.post(preorder.get_absolute_url() + "cancel/", follow=True)

    assert "Cancel my pre-order" not in page and "It's out, and we'll send yours" in page
    assert "can no longer be cancelled here" in response.content.decode()
    preorder.refresh_from_db()
    assert preorder.status == PreOrder.Status.PAID


def test_the_buyer_changes_the_address_before_release(client, form_page, book, fake_stripe):
    preorder = pre_order_with_card(client, form_page, fake_stripe)
    new = {
        "name": "Ruth Buyer",
        "address_line1": "2 Mill Lane",
        "address_line2": "",
        "city": "Bolton",
        "postcode": "BL1 1AA",
        "country": "GB",
    }

    response = client.post(preorder.get_absolute_url(), new, follow=True)

    assert "Your new address is saved." in response.content.decode()
    preorder.refresh_from_db()
    assert (preorder.address_line1, preorder.city) == ("2 Mill Lane", "Bolton")

    abroad = client.post(preorder.get_absolute_url(), {**new, "country": "FR"})
    assert abroad.status_code == 400
    assert "another delivery region" in abroad.content.decode()
    blank = client.post(preorder.get_absolute_url(), {**new, "city": ""})
    assert blank.status_code == 400
    preorder.refresh_from_db()
    assert preorder.city == "Bolton"


# Staff tools: dashboard, release from the admin, a new release date ------------------------


def test_the_admin_home_shows_money_taken_and_still_to_take(
    admin_client, client, form_page, book, fake_stripe
):
    pre_order_with_card(client, form_page, fake_stripe)  # 2 × £16.99 + £2.95 to take

    page = admin_client.get("/admin/").content.decode()

    assert "Pre-orders" in page and "Dirty Old Town" in page
    assert "£36.93" in page  # still to take
    assert "2 of 100" in page


def test_managers_release_from_the_admin_and_packers_cannot(
    admin_client, client, django_user_model, form_page, book, fake_stripe
):
    from django.contrib.auth.models import Group
    from django.urls import reverse

    preorder = pre_order_with_card(client, form_page, fake_stripe)
    url = reverse("shop_campaign", args=[book.pk])
    packer = django_user_model.objects.create_user("packer", password="pw")
    packer.groups.add(Group.objects.get(name="Shop staff"))
    client.force_login(packer)
    assert client.get(url).status_code in (302, 403)

    with TestCase.captureOnCommitCallbacks(execute=True):
        admin_client.post(reverse("shop_campaign_release", args=[book.pk]))

    page = admin_client.get(url).content.decode()
    assert "1 saved card queued to charge" in page
    assert "Saved cards still to charge: 0" in page and "Paid, to send: 1" in page
    preorder.refresh_from_db()
    assert preorder.status == PreOrder.Status.PAID


def test_campaign_page_shows_the_current_release_date(admin_client, book):
    from datetime import date

    from bs4 import BeautifulSoup
    from django.urls import reverse

    Product.objects.filter(pk=book.pk).update(release_date=date(2027, 3, 19))

    page = admin_client.get(reverse("shop_campaign", args=[book.pk]))

    field = BeautifulSoup(page.content, "html.parser").select_one("input[name=release_date]")
    assert field["value"] == "2027-03-19"  # as a date input or Wagtail's date picker reads it


def test_a_new_release_date_is_emailed_once_with_keep_and_cancel_links(
    admin_client,
    client,
    form_page,
    book,
    fake_stripe,
    smtp_inbox,
    django_capture_on_commit_callbacks,
):
    from django.urls import reverse

    preorder = pre_order_with_card(client, form_page, fake_stripe)
    url = reverse("shop_campaign", args=[book.pk])

    with django_capture_on_commit_callbacks(execute=True):  # the emails are queued on commit
        admin_client.post(url, {"release_date": "2027-05-01"})
        admin_client.post(url, {"release_date": "2027-05-01"})
    bad = admin_client.post(url, {"release_date": "not a date"})

    assert bad.status_code == 200 and "Enter a valid date" in bad.content.decode()
    told = [m for m in smtp_inbox.messages if m["Subject"].startswith("New release date")]
    assert len(told) == 1
    body = told[0].get_body(("plain",)).get_content()
    assert "1 May 2027" in body
    assert preorder.get_absolute_url() + "?kept=1" in body
    assert preorder.get_absolute_url() + "#cancel" in body
    kept = client.get(preorder.get_absolute_url() + "?kept=1").content.decode()
    assert "your pre-order stands" in kept


def test_a_release_date_email_still_queued_when_the_date_moves_again_tells_the_newest_once(
    client, form_page, book, fake_stripe, smtp_inbox
):
    """A task queued (under its pre-registry name) for a date since moved again tells the buyer
    the date as it is now; the task queued for the newer date then finds nothing to send."""
    from datetime import date

    from shop import tasks

    preorder = pre_order_with_card(client, form_page, fake_stripe)
    Product.objects.filter(pk=book.pk).update(release_date=date(2027, 6, 1))
    before = len(smtp_inbox.messages)

    tasks.send_release_date_changed.enqueue(preorder.pk, "2027-05-01")  # queued for 1 May
    tasks.send_email.enqueue("preorder_release_date_changed", preorder.pk)  # for 1 June

    told = smtp_inbox.messages[before:]
    assert [m["Subject"] for m in told] == [
        f"New release date for Dirty Old Town: 1 June 2027 (pre-order {preorder.reference})"
    ]
    preorder.refresh_from_db()
    assert preorder.release_date_notified_for == date(2027, 6, 1)


def test_staff_mark_paid_pre_orders_shipped_in_bulk(
    admin_client, client, form_page, book, fake_stripe, smtp_inbox
):
    from django.urls import reverse

    paid = pre_order_with_card(client, form_page, fake_stripe)
    unpaid = pre_order_with_card(
        client, form_page, fake_stripe, card=DECLINES_AT_RELEASE, email="late@example.com"
    )
    release(book)
    sheet = f"{paid.reference} RM111GB\n{unpaid.reference} RM222GB\nP-NOPE RM333GB\njunk\n"

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = admin_client.post(
            reverse("shop_campaign", args=[book.pk]), {"shipped": sheet}, follow=True
        )
    with TestCase.captureOnCommitCallbacks(execute=True):
        admin_client.post(reverse("shop_campaign", args=[book.pk]), {"shipped": sheet})

    page = response.content.decode()
    assert "1 pre-order(s) marked shipped." in page
    assert "is payment needed, not paid" in page
    assert "no pre-order P-NOPE" in page
    assert "Line 4: expected a reference and a tracking number." in page
    paid.refresh_from_db()
    assert (paid.status, paid.tracking_number) == (PreOrder.Status.SHIPPED, "RM111GB")
    shipped_mails = [m for m in smtp_inbox.messages if "is on its way" in m["Subject"]]
    assert len(shipped_mails) == 1
    assert "RM111GB" in shipped_mails[0].get_body(("plain",)).get_content()


def test_a_lost_expiry_webhook_is_made_up_by_the_sweep(client, form_page, book, fake_stripe):
    from django.core.management import call_command

    submit(client, form_page, quantity="3")  # awaiting card; no webhook is registered here
    preorder = PreOrder.objects.get()
    payments.expire_checkout_session(preorder.stripe_session_id)

    call_command("settle_checkouts", older_than=-1, verbosity=0)

    preorder.refresh_from_db()
    assert preorder.status == PreOrder.Status.EXPIRED
    assert Product.objects.get(pk=book.pk).preorder_reserved == 0


def test_paying_after_release_with_stripe_down_keeps_the_pre_order_and_says_why(
    client, form_page, book, fake_stripe, settings
):
    preorder = pre_order_with_card(client, form_page, fake_stripe, card=DECLINES_AT_RELEASE)
    release(book)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    response = client.post(preorder.get_absolute_url() + "pay/", follow=True)

    assert "could not reach the payment service" in response.content.decode()
    preorder.refresh_from_db()
    assert preorder.status == PreOrder.Status.PAYMENT_NEEDED
    assert Product.objects.get(pk=book.pk).preorder_reserved == 2


# Release is a state of the campaign ----------------------------------------------------------


def test_release_puts_the_product_on_sale_and_closes_the_form_once(
    client, form_page, book, fake_stripe
):
    pre_order_with_card(client, form_page, fake_stripe)

    release(book)
    released_at = Product.objects.get(pk=book.pk).released_at
    release(book)

    book.refresh_from_db()
    assert (book.status, book.preorder_open) == (Product.Status.ON_SALE, False)
    assert book.released_at == released_at is not None
    assert "There is nothing to pre-order just now." in submit(client, form_page).content.decode()


def test_a_product_that_is_not_on_pre_order_cannot_be_released(home):
    from tests.factories import ProductFactory

    product = ProductFactory(status=Product.Status.ON_SALE)

    with pytest.raises(preorders.ReleaseError, match="not on pre-order"):
        preorders.release(product)


def test_after_release_a_buyer_who_has_not_paid_may_still_cancel(
    client, home, smtp_inbox, settings
):
    book = PreOrderProductFactory(title="Reserve me", preorder_charge_mode="reserve")
    page = make_preorder_form_page(home, slug="reserve")
    submit(client, page, quantity="2")
    release(book)
    preorder = PreOrder.objects.get()

    shown = client.get(preorder.get_absolute_url()).content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(preorder.get_absolute_url() + "cancel/")

    assert "You have not paid, so you can still cancel." in shown
    preorder.refresh_from_db()
    assert preorder.status == PreOrder.Status.CANCELLED
    assert Product.objects.get(pk=book.pk).preorder_reserved == 0


def test_staff_cannot_take_a_product_off_pre_order_or_move_its_date_while_buyers_wait(
    admin_client, client, form_page, book, fake_stripe
):
    from django.urls import reverse

    from tests.shop.test_product_admin import product_form_data

    pre_order_with_card(client, form_page, fake_stripe)
    url = reverse("wagtailsnippets_shop_product:edit", args=[book.pk])
    fields = {"title": book.title, "slug": book.slug, "preorder_charge_mode": "on_release"}

    on_sale = admin_client.post(url, product_form_data(**fields, status="on_sale"))
    moved = admin_client.post(
        url, product_form_data(**fields, status="pre_order", release_date="2031-01-01")
    )

    assert "1 buyer is waiting for this product. Release it from its campaign page" in (
        on_sale.content.decode()
    )
    assert "Change the date on its campaign page instead" in moved.content.decode()
    book.refresh_from_db()
    assert (book.status, book.release_date) == (Product.Status.PRE_ORDER, None)


def test_releasing_from_the_admin_makes_no_stripe_call_and_queues_a_charge_per_card(
    admin_client, client, form_page, book, fake_stripe, settings
):
    """One request releases the whole campaign; the charges are background tasks, one per
    saved card, which the worker runs."""
    from django.urls import reverse

    from shop import tasks
    from tests.shop.test_tasks import shop_tasks

    first = pre_order_with_card(client, form_page, fake_stripe)
    second = pre_order_with_card(client, form_page, fake_stripe, email="sam@example.com")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    with TestCase.captureOnCommitCallbacks(execute=True):  # the request's commit queues them
        admin_client.post(reverse("shop_campaign_release", args=[book.pk]))

    assert charges_for(first.stripe_customer_id) == []
    queued = shop_tasks().filter(task_path="shop.tasks.charge_at_release")
    assert sorted(task.args_kwargs["args"][0] for task in queued) == [first.pk, second.pk]
    for task in queued:  # what the worker does with each
        tasks.charge_at_release.call(*task.args_kwargs["args"])
    for preorder in (first, second):
        preorder.refresh_from_db()
        assert preorder.status == PreOrder.Status.PAID
        assert len(charges_for(preorder.stripe_customer_id)) == 1


def test_a_webhook_that_cannot_be_settled_yet_is_refused_and_settled_when_redelivered(
    client, form_page, book, fake_stripe, settings
):
    """A saved card's webhook needs one question back to Stripe. While Stripe cannot be
    reached the webhook answers 503 (Stripe delivers it again later) and records nothing as
    done; the redelivery settles it."""
    from tests.shop.stripe_events import event, signed

    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    submit(client, form_page)
    preorder = PreOrder.objects.get()
    fake_stripe.save_card(preorder.stripe_session_id)  # the buyer never comes back
    session = payments._client().v1.checkout.sessions.retrieve(preorder.stripe_session_id)
    body, signature = signed(event("checkout.session.completed", session.to_dict()))

    def deliver():
        with TestCase.captureOnCommitCallbacks(execute=True):
            return client.post(
                "/shop/stripe/webhook/",
                body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=signature,
            )

    api_base = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    refused = deliver()
    preorder.refresh_from_db()
    assert (refused.status_code, preorder.status) == (503, PreOrder.Status.AWAITING_CARD)

    settings.STRIPE_API_BASE = api_base
    settled = deliver()
    again = deliver()

    preorder.refresh_from_db()
    assert settled.status_code == 200 and preorder.status == PreOrder.Status.CARD_SAVED
    assert preorder.stripe_payment_method_id.startswith("pm_")
    assert again.content.decode() == "duplicate delivery, ignored"


def test_a_released_campaign_offers_no_new_release_date_and_refuses_one(
    admin_client, client, form_page, book, fake_stripe
):
    from django.urls import reverse

    pre_order_with_card(client, form_page, fake_stripe)
    release(book)
    url = reverse("shop_campaign", args=[book.pk])

    page = admin_client.get(url).content.decode()
    response = admin_client.post(url, {"release_date": "2031-01-01"}, follow=True)

    assert "Change the release date" not in page
    assert "It is released already" in response.content.decode()
    assert Product.objects.get(pk=book.pk).release_date != date(2031, 1, 1)
