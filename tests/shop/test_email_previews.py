"""Shop → Emails in the admin (shop/email_previews.py): staff read every kind of email for the
demo order or a real one, HTML beside text, and send one to themselves, within the shop's
roles; previewing saves nothing and emails no buyer."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group

from shop import emails, preorders
from shop.email_demo import BUYER
from shop.models import Order, PreOrder, Refund
from tests.conftest import addressee
from tests.factories import PreOrderProductFactory, ProductFactory, make_order

pytestmark = pytest.mark.django_db

PREVIEW = "/admin/shop/emails/"


def signed_in(client, django_user_model, group=None, email="pat@example.com"):
    user = django_user_model.objects.create_user("pat", email, "pw", first_name="Pat")
    if group:
        user.groups.add(Group.objects.get(name=group))
    else:  # an editor who may use the admin but not the shop
        user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return client


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


@pytest.fixture
def products(home):
    return ProductFactory(title="Tote bag", price=1200), PreOrderProductFactory(title="The book")


def test_shop_staff_read_every_kind_for_the_demo_order_html_beside_text(
    client, django_user_model, products
):
    staff = signed_in(client, django_user_model, "Shop staff")

    for kind, email in emails.EMAILS.items():
        response = staff.get(PREVIEW, {"kind": kind})
        assert response.status_code == 200, kind
        page = soup(response)
        frame = BeautifulSoup(page.select_one("iframe[srcdoc]")["srcdoc"], "html.parser")
        text = page.select_one("pre.email-preview__text").get_text()
        reference = email_demo_row(kind).reference
        assert reference in frame.get_text(" ") and reference in text, kind
        if not kind.startswith("staff_"):
            assert BUYER in page.select_one(".email-preview__headers").get_text(), kind
        assert frame.select_one("a.button")["href"].startswith("http://testserver/"), kind
        assert page.select_one("h2").get_text() == email.subject(email_demo_row(kind)), kind


def email_demo_row(kind):
    from shop.email_demo import demo

    return demo(kind)[0]


def test_previewing_every_kind_saves_nothing_and_emails_nobody(
    client, django_user_model, products, smtp_inbox
):
    staff = signed_in(client, django_user_model, "Shop managers")
    for kind in emails.EMAILS:
        staff.get(PREVIEW, {"kind": kind})

    assert (Order.objects.count(), PreOrder.objects.count(), Refund.objects.count()) == (0, 0, 0)
    assert smtp_inbox.messages == []


def test_a_real_order_is_previewed_by_its_reference(client, django_user_model, products):
    order = make_order(
        [(products[0], 2)], status=Order.Status.PAID, shipping_name="Ruth O'Hara", email="r@x.io"
    )
    staff = signed_in(client, django_user_model, "Shop staff")

    page = soup(staff.get(PREVIEW, {"kind": "order_confirmed", "reference": order.reference}))

    assert page.select_one("h2").get_text() == f"Your order {order.reference} is confirmed"
    assert "Ruth O'Hara <r@x.io>" in page.select_one(".email-preview__headers").get_text()
    assert "2 × Tote bag" in page.select_one("pre.email-preview__text").get_text()


def test_an_unknown_reference_is_said_plainly(client, django_user_model, products):
    staff = signed_in(client, django_user_model, "Shop staff")

    response = staff.get(PREVIEW, {"kind": "order_refunded", "reference": "Q-NOTHERE"})

    assert response.status_code == 200
    assert "No refund of order with the reference Q-NOTHERE." in response.content.decode()
    assert not soup(response).select("iframe")


def test_editors_without_shop_roles_neither_see_nor_open_the_previews(
    client, django_user_model, products
):
    editor = signed_in(client, django_user_model)

    assert PREVIEW not in editor.get("/admin/").content.decode()
    assert editor.get(PREVIEW).status_code in {302, 403}
    assert editor.post(PREVIEW, {"kind": "order_confirmed"}).status_code in {302, 403}


def test_each_role_is_offered_the_kinds_about_what_it_may_see(client, django_user_model, products):
    staff = signed_in(client, django_user_model, "Shop staff")

    offered = [o["value"] for o in soup(staff.get(PREVIEW)).select("select[name=kind] option")]

    assert offered == list(emails.EMAILS)
    assert PREVIEW in staff.get("/admin/").content.decode()


def test_a_test_send_goes_to_the_signed_in_staff_member_only(
    client, django_user_model, products, smtp_inbox
):
    buyer = preorders.Buyer(
        "Zoë O'Brien", "zoe@example.com", "1 Canal St", "", "Salford", "M5", "GB"
    )
    preorder = preorders.place_preorder(products[1].pk, 1, buyer, "a-form-token")[0]
    smtp_inbox.messages.clear()
    staff = signed_in(client, django_user_model, "Shop staff")

    response = staff.post(
        PREVIEW, {"kind": "preorder_confirmation", "reference": preorder.reference.lower()}
    )

    assert response.status_code == 302
    assert [addressee(m) for m in smtp_inbox.messages] == ["pat@example.com"]
    sent = smtp_inbox.messages[0]
    assert sent["Subject"] == f"[Test] Your pre-order {preorder.reference} of The book"
    assert "Zoë O'Brien" in sent.get_body(("plain",)).get_content()
    assert "Test sent to pat@example.com." in staff.get(response["Location"]).content.decode()


def test_a_test_send_with_smtp_down_says_so(client, django_user_model, products, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    staff = signed_in(client, django_user_model, "Shop staff")

    response = staff.post(PREVIEW, {"kind": "order_shipped"}, follow=True)

    assert "Could not send the test to pat@example.com" in response.content.decode()
