"""Every email the shop sends, declared once in `EMAILS`: the row it is about, where "sent" is
recorded, its template, subject and recipients, and which rows it is *due* for (the status the
transition that sends it leads to, and not sent yet). Everything else reads the registry:
`queue` (what a transition calls), `send` (what the one task, `shop.tasks.send_email`, runs)
and `send_pending_emails` (the sweep, `manage.py send_order_emails`). So each kind goes once,
and is retried until it has gone, with no list of kinds kept anywhere else.

Each email is claimed under a row lock on its order or pre-order: the row is locked, checked to
be still due, the email sent, and "sent" recorded in the same transaction. A failure to send
(SMTP down) is logged and leaves the row due: the task tries again later, and the sweep sends
whatever is still due. It never touches a payment status.

The kind names are stored in the task queue (they are the tasks' arguments): rename one only
with an alias for the old name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from shop import email_content
from shop.models import Order, PreOrder, PreOrderChargeMode, Refund

logger = logging.getLogger(__name__)


def _now(row: Any) -> Any:
    return timezone.now()


def _about_the_purchase(row: Order | PreOrder) -> dict:
    """The row, and for an order its lines and pre-orders with their products' covers."""
    if not isinstance(row, Order):
        return {"order": row}
    return {
        "order": row,
        "lines": list(row.lines.select_related("product__cover_image")),
        "preorders": list(row.preorders.select_related("product__cover_image")),
    }


@dataclass(frozen=True)
class Email:
    """One kind of email. `when` is the condition on the row that makes it due (the status its
    transition leads to); it is due while "sent" is not recorded: `sent_field` is empty, or,
    for an email sent more than once per row, the `unsent` condition holds. Sending records
    `sent_value(row)` in `sent_field`."""

    label: str  # what staff call it in the admin's email previews
    model: type[models.Model]
    template: str  # shop/emails/<template>.txt and .html
    subject: Callable[[Any], str]
    to: Callable[[Any], list[str]]
    when: Q
    sent_field: str
    sent_value: Callable[[Any], Any] = _now
    unsent: Q | None = None
    context: Callable[[Any], dict] = _about_the_purchase  # what its templates are given
    reply_to: Callable[[Any], list[str]] | None = None  # None: the shop

    @property
    def due(self) -> Q:
        unsent = self.unsent
        if unsent is None:
            unsent = Q(**{f"{self.sent_field}__isnull": True})
        return self.when & unsent & _BUYER_NOT_ERASED[self.model]


# Nothing more is sent about a buyer who asked to be erased (shop/buyer_data.py): their
# address is gone, and staff need no news of an anonymised sale.
_BUYER_NOT_ERASED = {
    Order: Q(anonymised_at__isnull=True),
    PreOrder: Q(anonymised_at__isnull=True),
    Refund: Q(order__anonymised_at__isnull=True),
}


def _about_the_refund(refund: Refund) -> dict:
    return {
        **_about_the_purchase(refund.order),
        "refund": refund,
        "refunded_lines": list(refund.lines.select_related("line__product__cover_image")),
    }


def _buyer(row: Order | PreOrder) -> list[str]:
    """The buyer by name and address, as their mail client lists them."""
    name = row.shipping_name if isinstance(row, Order) else row.name
    return [email_content.mailbox(name, row.email)]


def _staff(row: Order | PreOrder) -> list[str]:
    return [settings.SHOP_STAFF_EMAIL]


# A pre-order bought in the basket is confirmed by its order's emails, not its own.
_on_its_own = Q(order__isnull=True)
_preorder_confirmed = _on_its_own & (
    Q(status=PreOrder.Status.RESERVED)
    | Q(status=PreOrder.Status.PAID, charge_mode=PreOrderChargeMode.CHARGE_NOW)
)
_card_saved = _on_its_own & Q(status=PreOrder.Status.CARD_SAVED)
# A pre-order cancelled because Stripe could not be reached while it was placed was never
# confirmed to anyone (the buyer was told on the form): it gets no "cancelled" email.
_never_reached_stripe = Q(stripe_session_id__isnull=True, stripe_customer_id="") & ~Q(
    charge_mode=PreOrderChargeMode.RESERVE
)
_waiting_for_release = Q(status__in=PreOrder.HOLDS_UNITS - {PreOrder.Status.SHIPPED})

# An order's receipt is one email, worded for how it was paid: at once, or after a delayed
# payment (a bank debit) had been processing. Both kinds record it in confirmation_sent_at, so
# a buyer gets one receipt, never both.
_paid = Q(status__in=Order.PAID_STATUSES)  # still the receipt once packed or shipped
_paid_after_a_delay = Q(processing_at__isnull=False)
# An order that ended unpaid is emailed only to a buyer who believes they ordered: staff
# cancelled it, or its delayed payment failed (Stripe says so only once the buyer completed
# its page). A buyer who left Stripe's page, or let it expire, had no email about the order.
_ended_and_buyer_told = Q(status=Order.Status.CANCELLED, cancelled_by_staff=True) | Q(
    status=Order.Status.PAYMENT_FAILED
)

EMAILS: dict[str, Email] = {
    "order_processing": Email(
        label="Order received: payment processing",
        model=Order,
        template="order_processing",
        subject=lambda order: f"We have your order {order.reference}: payment being confirmed",
        to=_buyer,
        when=Q(status=Order.Status.PROCESSING),
        sent_field="processing_email_sent_at",
    ),
    "order_confirmed": Email(
        label="Order confirmed",
        model=Order,
        template="order_confirmation",
        subject=lambda order: f"Your order {order.reference} is confirmed",
        to=_buyer,
        when=_paid & ~_paid_after_a_delay,
        sent_field="confirmation_sent_at",
    ),
    "order_paid_after_delay": Email(
        label="Order confirmed: delayed payment cleared",
        model=Order,
        template="order_paid_after_delay",
        subject=lambda order: f"Your payment has cleared: order {order.reference} is confirmed",
        to=_buyer,
        when=_paid & _paid_after_a_delay,
        sent_field="confirmation_sent_at",
    ),
    "order_cancelled": Email(
        label="Order cancelled",
        model=Order,
        template="order_cancelled",
        subject=lambda order: f"Your order {order.reference} is cancelled",
        to=_buyer,
        when=_ended_and_buyer_told,
        sent_field="cancellation_email_sent_at",
    ),
    "staff_new_order": Email(
        label="New order (to staff)",
        model=Order,
        template="staff_new_order",
        subject=lambda order: f"New order {order.reference}: {order.total_display}",
        to=_staff,
        when=Q(status__in=Order.PAID_STATUSES),
        sent_field="staff_notified_at",
        reply_to=_buyer,  # staff answering a new order write to its buyer
    ),
    "order_shipped": Email(
        label="Order shipped",
        model=Order,
        template="order_shipped",
        subject=lambda order: f"Your order {order.reference} is on its way",
        to=_buyer,
        when=Q(status=Order.Status.SHIPPED),
        sent_field="shipping_notice_sent_at",
    ),
    "order_ready_to_collect": Email(
        label="Order ready to collect",
        model=Order,
        template="order_ready_to_collect",
        subject=lambda order: f"Your order {order.reference} is ready to collect",
        to=_buyer,
        when=Q(status=Order.Status.READY_TO_COLLECT),
        sent_field="collection_notice_sent_at",
    ),
    "order_refunded": Email(  # each refund, full or partial, once Stripe has made it
        label="Order refunded",
        model=Refund,
        template="order_refunded",
        subject=lambda r: f"Your refund of {r.amount_display} for order {r.reference}",
        to=lambda refund: _buyer(refund.order),
        when=Q(stripe_refund_id__isnull=False) & ~Q(stripe_refund_id=""),
        sent_field="refund_email_sent_at",
        context=_about_the_refund,
    ),
    "preorder_confirmation": Email(  # paid now, or reserved to pay on release
        label="Pre-order confirmed (paid now or reserved)",
        model=PreOrder,
        template="preorder_confirmation",
        subject=lambda p: f"Your pre-order {p.reference} of {p.title}",
        to=_buyer,
        when=_preorder_confirmed,
        sent_field="confirmation_sent_at",
    ),
    "preorder_card_saved": Email(  # the card is charged on release day
        label="Pre-order confirmed (card saved)",
        model=PreOrder,
        template="preorder_confirmation",
        subject=lambda p: f"Your pre-order {p.reference} of {p.title}",
        to=_buyer,
        when=_card_saved,
        sent_field="confirmation_sent_at",
    ),
    "staff_new_preorder": Email(
        label="New pre-order (to staff)",
        model=PreOrder,
        template="staff_new_preorder",
        subject=lambda p: f"New pre-order {p.reference}: {p.quantity} × {p.title}",
        to=_staff,
        when=_preorder_confirmed | _card_saved,
        sent_field="staff_notified_at",
        reply_to=_buyer,
    ),
    "preorder_paid_on_release": Email(  # a saved card charged, or a payment link paid
        label="Pre-order released and paid",
        model=PreOrder,
        template="preorder_released",
        subject=lambda p: f"{p.product.title} is out: your pre-order {p.reference} is paid",
        to=_buyer,
        when=Q(status=PreOrder.Status.PAID) & ~Q(charge_mode=PreOrderChargeMode.CHARGE_NOW),
        sent_field="released_email_sent_at",
    ),
    "preorder_payment_needed": Email(  # a declined card, a bank asking, or a reservation
        label="Pre-order released: payment needed",
        model=PreOrder,
        template="preorder_payment_needed",
        subject=lambda p: f"{p.product.title} is out: please pay for pre-order {p.reference}",
        to=_buyer,
        when=Q(status=PreOrder.Status.PAYMENT_NEEDED),
        sent_field="payment_needed_sent_at",
    ),
    "preorder_cancelled": Email(
        label="Pre-order cancelled",
        model=PreOrder,
        template="preorder_cancelled",
        subject=lambda p: f"Your pre-order {p.reference} is cancelled",
        to=_buyer,
        when=Q(status__in=[PreOrder.Status.CANCELLED, PreOrder.Status.REFUNDED])
        & ~_never_reached_stripe,
        sent_field="cancelled_email_sent_at",
    ),
    "preorder_release_date_changed": Email(  # once per date; a buyer learns the first at once
        label="Pre-order: new release date",
        model=PreOrder,
        template="preorder_release_date_changed",
        subject=lambda p: (
            f"New release date for {p.product.title}: {p.product.release_date:%-d %B %Y} "
            f"(pre-order {p.reference})"
        ),
        to=_buyer,
        when=_waiting_for_release & Q(product__release_date__isnull=False),
        sent_field="release_date_notified_for",
        sent_value=lambda p: p.product.release_date,
        unsent=Q(release_date_notified_for__isnull=True)
        | ~Q(release_date_notified_for=F("product__release_date")),
    ),
    "preorder_shipped": Email(
        label="Pre-order shipped",
        model=PreOrder,
        template="order_shipped",
        subject=lambda p: f"Your pre-order {p.reference} is on its way",
        to=_buyer,
        when=Q(status=PreOrder.Status.SHIPPED),
        sent_field="shipped_email_sent_at",
    ),
}


def queue(kind: str, row_or_pk: models.Model | int) -> None:
    """Send this email for this order or pre-order once the current transaction commits (a
    rolled-back change emails nobody). An unknown kind fails here, at the call."""
    from shop import tasks  # tasks imports this module

    email = EMAILS[kind]
    if isinstance(row_or_pk, models.Model) and not isinstance(row_or_pk, email.model):
        raise TypeError(f"The {kind} email is about a {email.model.__name__}, not {row_or_pk!r}.")
    tasks.enqueue_on_commit(tasks.send_email, kind, getattr(row_or_pk, "pk", row_or_pk))


def message_id(kind: str, row: Order | PreOrder | Refund) -> str:
    """The same Message-ID each time this email is built for this row (and, for one sent
    again on a change such as a new release date, for that change), so a copy sent twice
    after a crash is one message to the buyer's mail client."""
    email = EMAILS[kind]
    key = f"{kind}.{row.reference}.{row.pk}"
    if email.unsent is not None:
        key += f".{email.sent_value(row)}"
    return f"<{key}@{email_content.sender_domain()}>"


def message(
    kind: str, row: Order | PreOrder | Refund, *, context: dict | None = None
) -> EmailMultiAlternatives:
    """The email as it would go now: plain text (rendered without HTML escaping, so
    "O'Reader" stays as typed) with an HTML alternative in the shop's one layout, links and
    pictures on the site's own address. `context` stands in for the rows' (a preview's demo
    order, which is never saved)."""
    email = EMAILS[kind]
    context = email.context(row) if context is None else context
    shop = email_content.shop_identity()
    subject = email.subject(row)
    about = context["order"]
    listing = "shop_preorders:index" if isinstance(about, PreOrder) else "shop_orders:index"
    context.update(
        kind=kind,
        noun="pre-order" if isinstance(about, PreOrder) else "order",
        subject=subject,
        shop=shop,
        items=email_content.items(context),
        totals=email_content.totals(context),
        order_url=email_content.absolute(about.get_absolute_url()),
        site_url=shop.site_url,
        shop_url=email_content.absolute(reverse("shop:index")),
        admin_order_url=email_content.absolute(
            f"{reverse(listing)}?{urlencode({'q': about.reference})}"
        ),
    )
    built = EmailMultiAlternatives(
        subject=subject,
        body=email_content.finish_text(
            render_to_string(f"shop/emails/{email.template}.txt", context, using="text")
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to(row),
        reply_to=email.reply_to(row) if email.reply_to else [shop.reply_to],
        headers={"Message-ID": message_id(kind, row)},
    )
    built.attach_alternative(
        email_content.finish_html(render_to_string(f"shop/emails/{email.template}.html", context)),
        "text/html",
    )
    return built


def send(kind: str, pk: int) -> bool:
    """Send one email unless it is no longer due (sent already, or its row has moved on).
    Returns False only when it could not be sent and must be tried again.

    SMTP is called inside the row lock on purpose: a second run of the same email (a retried
    task, a second worker, the sweep) waits for the first and then finds it sent, so it never
    goes twice. Sending outside the lock would need a "sending" marker, and a worker that died
    holding one would leave the email unsent until someone cleared it by hand. The price is
    that the worker, never a request, holds the lock for up to EMAIL_TIMEOUT seconds. The one
    duplicate SMTP itself allows: a crash after the server took the message but before the
    commit sends it again on the next try.
    """
    email = EMAILS[kind]
    rows = email.model.objects
    with transaction.atomic():
        row = rows.select_for_update().filter(pk=pk).first()
        if row is None or not rows.filter(email.due, pk=pk).exists():
            return True
        try:
            message(kind, row).send()
        except Exception:  # SMTP down, refused, timed out: keep the row due, retry later
            logger.exception("Could not send the %s email for %s", kind, row.reference)
            return False
        setattr(row, email.sent_field, email.sent_value(row))
        row.save(update_fields=[email.sent_field, "updated_at"])
    return True


def send_once(due: models.QuerySet, pk: int, build: Callable[[Any], Any], sent_field: str) -> bool:
    """The same claim as `send`, for emails outside the registry (stock alerts, back in
    stock): lock the row if it is still in `due`, send `build(row)`, record `sent_field`.
    False only when SMTP did not take it and it must be tried again."""
    with transaction.atomic():
        row = due.select_for_update(of=("self",)).filter(pk=pk).first()
        if row is None:
            return True
        try:
            build(row).send()
        except Exception:  # SMTP down, refused, timed out: stays due, tried again later
            logger.exception("Could not send the %s email for %s", sent_field, row)
            return False
        due.model.objects.filter(pk=pk).update(**{sent_field: timezone.now()})
    return True


def send_pending_emails() -> int:
    """Send every email that is due and has not gone; returns how many were tried."""
    tried = 0
    for kind, email in EMAILS.items():
        for pk in email.model.objects.filter(email.due).values_list("pk", flat=True):
            send(kind, pk)
            tried += 1
    return tried
