"""Telling shoppers, once, that a sold-out product is back (issue 12: stock alerts).

A shopper asks on the product's "Email me when it's back" page (`ask`); an email asks them to
confirm (double opt-in: nobody can sign someone else up), and only a confirmed request is told,
once, when the product can be bought again. Both emails carry a link that stops it, and the
"back" email a List-Unsubscribe header for one-click unsubscribe (RFC 8058).

The product coming back (staff saving it on sale with stock, or units returning from an
abandoned checkout) queues one task per waiting request when its transaction commits; each
email is sent under its request's row lock and recorded, as the order emails are
(shop/emails.py), so none goes twice, and `manage.py send_order_emails` sends any SMTP missed.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from shop import email_content, emails
from shop.models import BackInStockRequest, Product


def ask(product: Product, email: str) -> BackInStockRequest:
    """Record the wish and email a confirmation, unless this address already confirmed one
    for this product that is still waiting. Asking again after stopping starts over."""
    email = email.strip()
    with transaction.atomic():
        try:
            with transaction.atomic():
                wish, _created = BackInStockRequest.objects.get_or_create(
                    product=product, email__iexact=email, defaults={"email": email}
                )
        except IntegrityError:  # the same address asked twice at once
            wish = BackInStockRequest.objects.get(product=product, email__iexact=email)
        wish = BackInStockRequest.objects.select_for_update().get(pk=wish.pk)
        if wish.stopped_at is not None or wish.notified_at is not None:
            wish.stopped_at = wish.notified_at = wish.confirmed_at = None
            wish.confirmation_sent_at = None
            wish.save()
        if wish.confirmed_at is None:
            BackInStockRequest.objects.filter(pk=wish.pk).update(confirmation_sent_at=None)
            _queue("confirm", wish.pk)
    return wish


def confirm(token: str) -> BackInStockRequest | None:
    """Confirm from the email's link; None for an unknown token. If the product is already
    back, it is told at once."""
    with transaction.atomic():
        wish = (
            BackInStockRequest.objects.select_for_update()
            .select_related("product")
            .filter(token=token)
            .first()
        )
        if wish is None:
            return None
        if wish.confirmed_at is None and wish.stopped_at is None:
            wish.confirmed_at = timezone.now()
            wish.save(update_fields=["confirmed_at"])
            if wish.product.can_be_added_to_basket:
                _queue("back", wish.pk)
    return wish


def stop(token: str) -> BackInStockRequest | None:
    """Stop it from either email's link; None for an unknown token."""
    with transaction.atomic():
        wish = BackInStockRequest.objects.select_for_update().filter(token=token).first()
        if wish is not None and wish.stopped_at is None:
            wish.stopped_at = timezone.now()
            wish.save(update_fields=["stopped_at"])
    return wish


def product_may_be_back(products: QuerySet) -> None:
    """After `products` changed (a restock, units returned): queue the "back" email of every
    waiting request for those that can be bought now. One query when nobody is waiting."""
    waiting = BackInStockRequest.objects.filter(
        BackInStockRequest.WAITING,
        product__in=products.filter(status=Product.Status.ON_SALE).exclude(stock=0),
    )
    for pk in waiting.values_list("pk", flat=True):
        _queue("back", pk)


def _queue(kind: str, pk: int) -> None:
    from shop import tasks  # tasks imports this module

    tasks.enqueue_on_commit(tasks.send_back_in_stock_email, kind, pk)


# Sending ------------------------------------------------------------------------------------


def _due(kind: str) -> QuerySet:
    requests = BackInStockRequest.objects.filter(stopped_at__isnull=True)
    if kind == "confirm":
        return requests.filter(confirmed_at__isnull=True, confirmation_sent_at__isnull=True)
    return requests.filter(
        BackInStockRequest.WAITING,
        product__status=Product.Status.ON_SALE,
    ).exclude(product__stock=0)


def message(kind: str, wish: BackInStockRequest) -> EmailMessage:
    product = wish.product
    stop_url = email_content.absolute(reverse("shop:back_in_stock_stop", args=[wish.token]))
    context = {
        "wish": wish,
        "product": product,
        "shop": email_content.shop_identity(),
        "product_url": email_content.absolute(product.get_absolute_url()),
        "confirm_url": email_content.absolute(
            reverse("shop:back_in_stock_confirm", args=[wish.token])
        ),
        "stop_url": stop_url,
    }
    if kind == "confirm":
        subject = f"Please confirm: email me when {product.title} is back"
        headers = {}
    else:
        subject = f"{product.title} is back in stock"
        headers = {
            "List-Unsubscribe": f"<{stop_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    return EmailMessage(
        subject=subject,
        body=email_content.finish_text(
            render_to_string(f"shop/emails/back_in_stock_{kind}.txt", context, using="text")
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[wish.email],
        reply_to=[context["shop"].reply_to],
        headers=headers,
    )


SENT_FIELD = {"confirm": "confirmation_sent_at", "back": "notified_at"}


def send(kind: str, pk: int) -> bool:
    """Send one email if still due; False when it could not go and must be tried again
    (shop.emails.send_once: under the request's row lock)."""
    due = _due(kind).select_related("product")
    return emails.send_once(due, pk, lambda wish: message(kind, wish), SENT_FIELD[kind])


def send_pending() -> int:
    """Send every email that is due; returns how many were tried."""
    tried = 0
    for kind in SENT_FIELD:
        for pk in list(_due(kind).values_list("pk", flat=True)):
            send(kind, pk)
            tried += 1
    return tried
