"""Order emails, each sent once per order.

Each email is claimed under a row lock on the order: the sent-at field is checked, the email
sent, and the field set in the same transaction. A failure to send (SMTP down) is logged and
leaves the field empty for `manage.py send_order_emails` to retry; it never touches the
order's payment status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

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
):
    """Send one email for the order (or pre-order) unless it has gone already. Returns True
    if sent now."""
    with transaction.atomic():
        order = model.objects.select_for_update().get(pk=order_pk)
        if getattr(order, sent_field) is not None:
            return False
        try:
            build(order).send()
        except Exception:  # SMTP down, refused, timed out: keep the order, retry later
            logger.exception("Could not send %s for order %s", sent_field, order.reference)
            return False
        setattr(order, sent_field, timezone.now())
        order.save(update_fields=[sent_field, "updated_at"])
    return True


def send_order_emails(order_pk: int) -> None:
    """The buyer's confirmation and the staff notification for a paid order."""
    _send_once(
        order_pk,
        "confirmation_sent_at",
        lambda order: _message(
            order, "order_confirmation", f"Your order {order.reference} is confirmed", [order.email]
        ),
    )
    _send_once(
        order_pk,
        "staff_notified_at",
        lambda order: _message(
            order,
            "staff_new_order",
            f"New order {order.reference}: {order.total_display}",
            [settings.SHOP_STAFF_EMAIL],
        ),
    )


def send_shipping_notice(order_pk: int) -> None:
    _send_once(
        order_pk,
        "shipping_notice_sent_at",
        lambda order: _message(
            order, "order_shipped", f"Your order {order.reference} is on its way", [order.email]
        ),
    )


def send_preorder_emails(preorder_pk: int) -> None:
    """The buyer's confirmation (with their private link) and the staff notification."""
    _send_once(
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
    _send_once(
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


def send_preorder_paid(preorder_pk: int) -> None:
    """Release day went through: the buyer has paid and their copy is on its way soon."""
    _send_once(
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


def send_payment_needed(preorder_pk: int) -> None:
    """Release day needs the buyer: a declined card, a bank asking for authentication, or a
    reservation that is paid on release. The link leads to their pre-order page to pay."""
    _send_once(
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


def send_preorder_cancelled(preorder_pk: int) -> None:
    _send_once(
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


def send_release_date_changed(preorder_pk: int, new_date) -> bool:
    """Tell the buyer the release date moved, with links to keep or cancel; once per date."""
    with transaction.atomic():
        preorder = PreOrder.objects.select_for_update().get(pk=preorder_pk)
        if preorder.release_date_notified_for == new_date:
            return False
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


def send_preorder_shipped(preorder_pk: int) -> None:
    _send_once(
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
