"""One email to the shop when a product's stock falls to its low-stock threshold.

A product with a threshold (set on its admin form) is *due* an alert while its stock is at or
below the threshold and no alert has been recorded. A sale that takes the stock down
(`ProductQuerySet.update_what_is_left`) queues the alert's task for when its transaction
commits; the task sends it under the product's row lock and records it, so two sales crossing
the line at once send one email, and `manage.py send_order_emails` sends any that could not go
(SMTP down). Only staff saving the product with its stock above the threshold (a restock)
re-arms the alert: units coming back from abandoned checkouts do not, or a product hovering
at the line would email the shop at every abandoned checkout.

A product with variants alerts per variant instead, at the product's threshold: "M, black"
running low is what the shop needs to hear, not the sum of every size and colour.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse

from shop import email_content, emails

DUE = Q(
    low_stock_threshold__isnull=False,
    stock__isnull=False,
    stock__lte=F("low_stock_threshold"),
    low_stock_alerted_at__isnull=True,
    has_variants=False,
)
VARIANT_DUE = Q(
    product__low_stock_threshold__isnull=False,
    stock__isnull=False,
    stock__lte=F("product__low_stock_threshold"),
    low_stock_alerted_at__isnull=True,
)


def stock_changed(products: QuerySet) -> None:
    """After an update of `products`' stock, queue the alert of those now due (sent once the
    transaction commits; a rolled-back sale alerts nobody)."""
    from shop import tasks

    for pk in products.filter(DUE).values_list("pk", flat=True):
        tasks.enqueue_on_commit(tasks.send_low_stock_alert, pk)


def variant_stock_changed(variants: QuerySet) -> None:
    """After a sale took `variants`' units, queue the alert of those now due."""
    from shop import tasks

    for pk in variants.filter(VARIANT_DUE).values_list("pk", flat=True):
        tasks.enqueue_on_commit(tasks.send_variant_low_stock_alert, pk)


def message(product, variant=None) -> EmailMessage:
    """The alert for a product, or for one of its variants."""
    shop = email_content.shop_identity()
    context = {
        "product": product,
        "title": f"{product.title} ({variant.name})" if variant else product.title,
        "left": variant.stock if variant else product.stock,
        "shop": shop,
        "edit_url": email_content.absolute(
            reverse("wagtailsnippets_shop_product:edit", args=[product.pk])
        ),
        "product_url": email_content.absolute(product.get_absolute_url()),
    }
    return EmailMessage(
        subject=f"Running low: {context['title']} ({context['left']} left)",
        body=email_content.finish_text(
            render_to_string("shop/emails/staff_low_stock.txt", context, using="text")
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[settings.SHOP_STAFF_EMAIL],
    )


def send(pk: int, variant: bool = False) -> bool:
    """Send the alert for one product (or variant) if it is still due; False when it could
    not be sent and must be tried again (shop.emails.send_once: under the row's lock)."""
    from shop.models import Product, ProductVariant

    if variant:
        due = ProductVariant.objects.filter(VARIANT_DUE).select_related("product")
        return emails.send_once(
            due, pk, lambda row: message(row.product, row), "low_stock_alerted_at"
        )
    return emails.send_once(Product.objects.filter(DUE), pk, message, "low_stock_alerted_at")


def send_pending() -> int:
    """Send every alert that is due; returns how many were tried."""
    from shop.models import Product, ProductVariant

    products = list(Product.objects.filter(DUE).values_list("pk", flat=True))
    variants = list(ProductVariant.objects.filter(VARIANT_DUE).values_list("pk", flat=True))
    for pk in products:
        send(pk)
    for pk in variants:
        send(pk, variant=True)
    return len(products) + len(variants)
