"""What every shop email shows besides its own words, and how it is finished for the mail.

The shop's identity (name, logo, contact address, returns and privacy pages), the items with a
small picture, quantities and prices, and the totals are built here from the rows an email is
about, so the one layout (templates/shop/emails/base.html and base.txt) shows them alike in
every kind. Every link and picture is an absolute address on QUIRE_SITE_URL (or the media
storage's own public address): nothing is loaded from anyone else, and nothing tracks.

The HTML is finished by `css-inline`, which copies the layout's stylesheet (email_layout.css)
into `style` attributes, as many mail clients drop `<style>`; the `@media` rules (phone width,
dark mode) stay in the template's head as written, for the clients that read them. The plain
text is wrapped at 72 columns, never inside a word or link.
"""

from __future__ import annotations

import logging
import re
import textwrap
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path

import css_inline
from django.conf import settings
from wagtail.images.models import SourceImageIOError
from wagtail.models import Site

from shop.models import Order, OrderLine, PreOrder, PreOrderChargeMode, ShopDetails

logger = logging.getLogger(__name__)

# Shown at 64 CSS pixels; twice that for sharp screens. JPEG: every mail client shows it.
ITEM_PICTURE = "fill-128x128|format-jpeg|jpegquality-80"
LOGO = "height-96|format-png"
TEXT_WIDTH = 72


def absolute(url: str) -> str:
    """A URL on the site's public address (left alone when the storage gave a full one)."""
    if url.startswith(("http://", "https://")):
        return url
    return settings.QUIRE_SITE_URL.rstrip("/") + "/" + url.lstrip("/")


@dataclass(frozen=True)
class Picture:
    url: str
    width: int
    height: int


def picture(image, spec: str) -> Picture | None:
    """A rendition of `image` on the site's own address, or None without one (or when its
    file has gone missing: the email still goes, without the picture)."""
    if image is None:
        return None
    try:
        rendition = image.get_rendition(spec)
    except SourceImageIOError:
        logger.warning("The file of image %s is missing: email sent without it", image.pk)
        return None
    return Picture(absolute(rendition.url), rendition.width, rendition.height)


@dataclass(frozen=True)
class ShopIdentity:
    """Who the email is from, as its header and footer show it."""

    name: str
    site_url: str
    reply_to: str  # a mailbox, "Quire <hello@quire.example>"
    contact_email: str
    logo: Picture | None = None
    address_lines: tuple[str, ...] = ()
    returns_url: str = ""
    privacy_url: str = ""


def sender_domain() -> str:
    """The domain emails are sent from, for their Message-IDs."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "quire.localhost"


def page_url(page) -> str:
    """The page's address on the site's public address, or "" if it is not routable."""
    if page is None or not page.live:
        return ""
    parts = page.get_url_parts()
    return absolute(parts[2]) if parts else ""


def shop_identity() -> ShopIdentity:
    """The default site's name and its shop details (emails are sent with no request, so the
    default site is the one they speak for)."""
    site = Site.objects.filter(is_default_site=True).first()
    name = (site.site_name if site else "") or settings.WAGTAIL_SITE_NAME
    sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    if site is None:
        return ShopIdentity(name, absolute("/"), mailbox(name, sender), sender)
    details = ShopDetails.for_site(site)
    contact = details.contact_email or sender
    return ShopIdentity(
        name=name,
        site_url=absolute("/"),
        reply_to=mailbox(name, contact),
        contact_email=contact,
        logo=picture(details.logo, LOGO),
        address_lines=tuple(line.strip() for line in details.postal_address.splitlines() if line),
        returns_url=page_url(details.returns_page),
        privacy_url=page_url(details.privacy_page),
    )


def mailbox(name: str, address: str) -> str:
    """`Name <address>`, quoted where the name needs it ("Smith, Jane"); Django encodes a
    name that is not ASCII when it sends. A name is never allowed to break the header."""
    name = " ".join((name or "").split())
    if not name:
        return address
    return str(Address(display_name=name, addr_spec=address))


@dataclass(frozen=True)
class Item:
    """One row of the items table: what, how many, at what price, and a line about it."""

    title: str
    quantity: int
    unit_price: str
    total: str
    picture: Picture | None = None
    note: str = ""


def cover(product) -> Picture | None:
    return picture(product.cover_image, ITEM_PICTURE) if product is not None else None


def line_item(line: OrderLine, order: Order, quantity: int | None = None) -> Item:
    quantity = line.quantity if quantity is None else quantity
    return Item(
        title=line.title,
        quantity=quantity,
        unit_price=order.money(line.unit_price),
        total=order.money(line.unit_price * quantity),
        picture=cover(line.product),
    )


def preorder_item(preorder: PreOrder, *, note: str = "", paid_later: bool = False) -> Item:
    """A pre-order's row; in an order's list, one paid for later (not with the order, whatever
    the order's state) says so instead of an amount, which would read as part of its total."""
    return Item(
        title=preorder.title,
        quantity=preorder.quantity,
        unit_price=preorder.money(preorder.unit_price),
        total="Later" if paid_later else preorder.money(preorder.unit_price * preorder.quantity),
        picture=cover(preorder.product),
        note=note,
    )


def items(context: dict) -> list[Item]:
    """The rows an email lists: a refund's refunded units, an order's lines and the
    pre-orders bought with it, or a pre-order's product."""
    order = context["order"]
    if "refunded_lines" in context:
        return [line_item(r.line, order, r.quantity) for r in context["refunded_lines"]]
    if isinstance(order, Order):
        return [line_item(line, order) for line in context["lines"]] + [
            preorder_item(
                preorder,
                note=f"Pre-order {preorder.reference}: {preorder.next_step}",
                paid_later=preorder.charge_mode != PreOrderChargeMode.CHARGE_NOW,
            )
            for preorder in context["preorders"]
        ]
    return [preorder_item(order)]


@dataclass(frozen=True)
class Total:
    label: str
    amount: str
    grand: bool = False


def totals(context: dict) -> list[Total]:
    order = context["order"]
    if "refund" in context:
        refund = context["refund"]
        shown = [Total("Refunded", order.money(refund.amount), grand=True)]
        if order.vat_number:
            shown += _vat_rows(order, refund.vat)
        return shown
    if isinstance(order, Order):
        subtotal = order.subtotal
        paid = order.status in Order.PAID_STATUSES
    else:
        subtotal = order.unit_price * order.quantity
        paid = order.status in {PreOrder.Status.PAID, PreOrder.Status.SHIPPED}
    if isinstance(order, PreOrder) and order.status == PreOrder.Status.PAYMENT_NEEDED:
        label = "To pay"
    elif isinstance(order, Order) and order.status in Order.ENDED_UNPAID:
        label = "Total, not charged"
    else:
        label = "Total paid" if paid else "Total"
    shown = [Total("Subtotal", order.money(subtotal))]
    if isinstance(order, Order) and order.discount:
        shown.append(Total(f"Discount ({order.discount_label})", order.discount_display))
    shown += [
        Total("Delivery", order.money(order.shipping)),
        Total(label, order.money(order.total), grand=True),
    ]
    if order.vat_number:  # the shop was VAT-registered when it was bought
        shown += _vat_rows(order, order.vat_total)
    return shown


def _vat_rows(order: Order | PreOrder, vat: int) -> list[Total]:
    """A receipt from a VAT-registered shop says the VAT it includes and the shop's number."""
    return [Total("Includes VAT", order.money(vat)), Total("Our VAT number", order.vat_number)]


_INLINER = css_inline.CSSInliner(
    extra_css=(Path(__file__).parent / "email_layout.css").read_text(),
    keep_style_tags=True,  # the template's own, `@media` rules only, marked to be left alone
    load_remote_stylesheets=False,
)


def finish_html(html: str) -> str:
    """The layout's stylesheet written into every element's `style` attribute."""
    return _INLINER.inline(html)


def finish_text(text: str) -> str:
    """Blank lines at most two in a row, no trailing spaces, and lines wrapped at 72 columns
    (a list item's continuation indented under its text; words and links never split)."""
    lines = []
    for line in text.splitlines():
        line = line.rstrip()
        if len(line) <= TEXT_WIDTH:
            lines.append(line)
            continue
        indent = re.match(r"\s*(?:[-*] )?", line).group(0)
        lines.extend(
            textwrap.wrap(
                line,
                TEXT_WIDTH,
                subsequent_indent=" " * len(indent),
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
