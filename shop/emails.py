"""Order emails, each sent once per order, from background tasks (shop/tasks.py).

Each email is claimed under a row lock on the order: the sent-at field is checked, the email
sent, and the field set in the same transaction. A failure to send (SMTP down) is logged and
leaves the field empty: the task tries again later, and `manage.py send_order_emails` sends
whatever is still unsent. It never touches the order's payment status.

Each `send_*` function returns whether its emails have all gone (now or earlier), so a task
knows whether to retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from shop.models import Order, PreOrder

logger = logging.getLogger(__name__)


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _message(
    order: Order | PreOrder, template: str, subject: str, to: list[str]
) -> EmailMultiAlternatives:
    context = {
        "order": order,
        "lines": list(order.lines.all()) if isinstance(order, Order) else [],
        "order_url": _absolute(order.get_absolute_url()),
        "site_url": _absolute("/"),
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"shop/emails/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    )
    message.attach_alternative(
        render_to_string(f"shop/emails/{template}.html", context), "text/html"
    )
    return message


def _send_once(
    order_pk: int,
    sent_field: str,
    build: Callable[[Order], EmailMultiAlternatives],
    model: type[Order] | type[PreOrder] = Order,
) -> bool:
    """Send one email for the order (or pre-order) unless it has gone already. Returns False
    only when it could not be sent and must be tried again.

    SMTP is called inside the row lock on purpose: a second run of the same email (a retried
    task, a second worker, the sweep) waits for the first and then finds it sent, so it never
    goes twice. Sending outside the lock would need a "sending" marker, and a worker that died
    holding one would leave the email unsent until someone cleared it by hand. The price is
    that the worker, never a request, holds the lock for up to EMAIL_TIMEOUT seconds. The one
    duplicate SMTP itself allows: a crash after the server took the message but before the
    commit sends it again on the next try.
    """
    with transaction.atomic():
        order = model.objects.select_for_update().get(pk=order_pk)
        if getattr(order, sent_field) is not None:
            return True
        try:
            build(order).send()
        except Exception:  # SMTP down, refused, timed out: keep the order, retry later
            logger.exception("Could not send %s for order %s", sent_field, order.reference)
            return False
        setattr(order, sent_field, timezone.now())
        order.save(update_fields=[sent_field, "updated_at"])
    return True


def send_order_emails(order_pk: int) -> bool:
    """The buyer's confirmation and the staff notification for a paid order."""
    buyer = _send_once(
        order_pk,
        "confirmation_sent_at",
        lambda order: _message(
            order, "order_confirmation", f"Your order {order.reference} is confirmed", [order.email]
        ),
    )
    staff = _send_once(
        order_pk,
        "staff_notified_at",
        lambda order: _message(
            order,
            "staff_new_order",
            f"New order {order.reference}: {order.total_display}",
            [settings.SHOP_STAFF_EMAIL],
        ),
    )
    return buyer and staff


def send_shipping_notice(order_pk: int) -> bool:
    return _send_once(
        order_pk,
        "shipping_notice_sent_at",
        lambda order: _message(
            order, "order_shipped", f"Your order {order.reference} is on its way", [order.email]
        ),
    )


def send_preorder_emails(preorder_pk: int) -> bool:
    """The buyer's confirmation (with their private link) and the staff notification."""
    buyer = _send_once(
        preorder_pk,
        "confirmation_sent_at",
        lambda preorder: _message(
            preorder,
            "preorder_confirmation",
            f"Your pre-order {preorder.reference} of {preorder.product.title}",
            [preorder.email],
        ),
        model=PreOrder,
    )
    staff = _send_once(
        preorder_pk,
        "staff_notified_at",
        lambda preorder: _message(
            preorder,
            "staff_new_preorder",
            f"New pre-order {preorder.reference}: {preorder.quantity} × {preorder.product.title}",
            [settings.SHOP_STAFF_EMAIL],
        ),
        model=PreOrder,
    )
    return buyer and staff


def send_preorder_paid(preorder_pk: int) -> bool:
    """Release day went through: the buyer has paid and their copy is on its way soon."""
    return _send_once(
        preorder_pk,
        "released_email_sent_at",
        lambda preorder: _message(
            preorder,
            "preorder_released",
            f"{preorder.product.title} is out: your pre-order {preorder.reference} is paid",
            [preorder.email],
        ),
        model=PreOrder,
    )


def send_payment_needed(preorder_pk: int) -> bool:
    """Release day needs the buyer: a declined card, a bank asking for authentication, or a
    reservation that is paid on release. The link leads to their pre-order page to pay."""
    return _send_once(
        preorder_pk,
        "payment_needed_sent_at",
        lambda preorder: _message(
            preorder,
            "preorder_payment_needed",
            f"{preorder.product.title} is out: please pay for pre-order {preorder.reference}",
            [preorder.email],
        ),
        model=PreOrder,
    )


def send_preorder_cancelled(preorder_pk: int) -> bool:
    return _send_once(
        preorder_pk,
        "cancelled_email_sent_at",
        lambda preorder: _message(
            preorder,
            "preorder_cancelled",
            f"Your pre-order {preorder.reference} is cancelled",
            [preorder.email],
        ),
        model=PreOrder,
    )


def send_release_date_changed(preorder_pk: int, new_date: date) -> bool:
    """Tell the buyer the release date moved, with links to keep or cancel; once per date.
    A date that has moved again before this email went is skipped: the newer one is told."""
    with transaction.atomic():
        preorder = PreOrder.objects.select_for_update().get(pk=preorder_pk)
        if preorder.release_date_notified_for == new_date:
            return True
        if preorder.product.release_date != new_date:
            return True
        try:
            _message(
                preorder,
                "preorder_release_date_changed",
                f"New release date for {preorder.product.title}: {new_date:%-d %B %Y}",
                [preorder.email],
            ).send()
        except Exception:
            logger.exception("Could not tell %s about the new release date", preorder.reference)
            return False
        preorder.release_date_notified_for = new_date
        preorder.save(update_fields=["release_date_notified_for", "updated_at"])
    return True


def send_preorder_shipped(preorder_pk: int) -> bool:
    return _send_once(
        preorder_pk,
        "shipped_email_sent_at",
        lambda preorder: _message(
            preorder,
            "order_shipped",
            f"Your pre-order {preorder.reference} is on its way",
            [preorder.email],
        ),
        model=PreOrder,
    )


def send_pending_emails() -> int:
    """Retry every email that should have gone and has not; returns how many orders were seen."""
    paid = Order.objects.filter(status__in=Order.PAID_STATUSES)
    pending = paid.filter(confirmation_sent_at__isnull=True) | paid.filter(
        staff_notified_at__isnull=True
    )
    shipped = Order.objects.filter(
        status=Order.Status.SHIPPED, shipping_notice_sent_at__isnull=True
    )
    confirmed = PreOrder.objects.filter(status__in=[PreOrder.Status.RESERVED, PreOrder.Status.PAID])
    preorders = confirmed.filter(confirmation_sent_at__isnull=True) | confirmed.filter(
        staff_notified_at__isnull=True
    )
    seen = 0
    for pk in preorders.values_list("pk", flat=True):
        send_preorder_emails(pk)
        seen += 1
    for pk in PreOrder.objects.filter(
        status=PreOrder.Status.SHIPPED, shipped_email_sent_at__isnull=True
    ).values_list("pk", flat=True):
        send_preorder_shipped(pk)
        seen += 1
    for pk in pending.values_list("pk", flat=True):
        send_order_emails(pk)
        seen += 1
    for pk in shipped.values_list("pk", flat=True):
        send_shipping_notice(pk)
        seen += 1
    return seen
