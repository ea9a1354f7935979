"""The shop's background work: every email to a buyer or to staff is a task, so no request
waits for the mail server.

In production the tasks are rows in the database, run by `manage.py db_worker`; in dev and in
tests they run as soon as they are enqueued. A task whose email could not go (SMTP down)
enqueues itself again with a delay, up to `len(RETRY_DELAYS)` more times, then raises
`EmailNotSent` so the failure shows in the task results. After the last try, or on a backend
that cannot delay a task, the email is left for `manage.py send_order_emails`, which sends
everything still unsent. Each email is claimed under its order's row lock (shop/emails.py), so
a task that runs twice, or races the sweep, still sends it once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

from shop import back_in_stock, emails, stock_alerts

logger = logging.getLogger(__name__)

# How long to wait before each retry: about four hours in all, then the sweep takes over.
RETRY_DELAYS = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=3),
]

# Ahead of Wagtail's own tasks (reference index, file clean-up) on the same queue: a buyer
# waits for their confirmation, nobody waits for the index.
EMAIL_PRIORITY = 10


class EmailNotSent(Exception):
    """The mail server did not take an email; the order is unchanged and the email waits."""


def enqueue_on_commit(email_task: Task, *args: Any) -> None:
    """Enqueue the task once the current transaction commits, so the worker finds the order
    as it was saved, and a rolled-back change emails nobody. Failing to enqueue is logged, not
    raised: the order has committed by then, and `manage.py send_order_emails` catches the
    email."""
    transaction.on_commit(partial(email_task.enqueue, *args), robust=True)


def _retry_unless(sent: bool, email_task: Task, args: list[Any], attempt: int) -> None:
    if sent:
        return
    if attempt > len(RETRY_DELAYS) or not email_task.get_backend().supports_defer:
        raise EmailNotSent(
            f"{email_task.name}{tuple(args)} failed on attempt {attempt}; "
            "`manage.py send_order_emails` will send it."
        )
    run_after = timezone.now() + RETRY_DELAYS[attempt - 1]
    email_task.using(run_after=run_after).enqueue(*args, attempt=attempt + 1)
    raise EmailNotSent(
        f"{email_task.name}{tuple(args)} failed on attempt {attempt}; retrying at {run_after:%c}."
    )


@task(priority=EMAIL_PRIORITY)
def send_email(kind: str, pk: int, attempt: int = 1) -> None:
    """Send one email of the registry (shop/emails.py `EMAILS`) for one order or pre-order."""
    _retry_unless(emails.send(kind, pk), send_email, [kind, pk], attempt)


@task(priority=EMAIL_PRIORITY)
def send_low_stock_alert(product_pk: int, attempt: int = 1) -> None:
    """Tell the shop a product has fallen to its low-stock threshold (shop/stock_alerts.py)."""
    _retry_unless(stock_alerts.send(product_pk), send_low_stock_alert, [product_pk], attempt)


@task(priority=EMAIL_PRIORITY)
def send_variant_low_stock_alert(variant_pk: int, attempt: int = 1) -> None:
    """Tell the shop one variant of a product has fallen to the product's threshold."""
    sent = stock_alerts.send(variant_pk, variant=True)
    _retry_unless(sent, send_variant_low_stock_alert, [variant_pk], attempt)


@task(priority=EMAIL_PRIORITY)
def send_back_in_stock_email(kind: str, request_pk: int, attempt: int = 1) -> None:
    """Ask a shopper to confirm, or tell them the product is back (shop/back_in_stock.py)."""
    sent = back_in_stock.send(kind, request_pk)
    _retry_unless(sent, send_back_in_stock_email, [kind, request_pk], attempt)


# The tasks each email had before the registry. Tasks queued under these names before a deploy
# still run: each hands its emails to `send_email`, which sends whichever is still due. They can
# go once no task of theirs is left in the queue.


def _hand_over(kinds: list[str], pk: int, attempt: int) -> None:
    for kind in kinds:
        send_email.enqueue(kind, pk, attempt=attempt)


@task(priority=EMAIL_PRIORITY)
def send_order_emails(order_pk: int, attempt: int = 1) -> None:
    _hand_over(["order_confirmed", "staff_new_order"], order_pk, attempt)


@task(priority=EMAIL_PRIORITY)
def send_shipping_notice(order_pk: int, attempt: int = 1) -> None:
    _hand_over(["order_shipped"], order_pk, attempt)


@task(priority=EMAIL_PRIORITY)
def send_preorder_emails(preorder_pk: int, attempt: int = 1) -> None:
    kinds = ["preorder_confirmation", "preorder_card_saved", "staff_new_preorder"]
    _hand_over(kinds, preorder_pk, attempt)


@task(priority=EMAIL_PRIORITY)
def send_preorder_paid(preorder_pk: int, attempt: int = 1) -> None:
    _hand_over(["preorder_paid_on_release"], preorder_pk, attempt)


@task(priority=EMAIL_PRIORITY)
def send_payment_needed(preorder_pk: int, attempt: int = 1) -> None:
    _hand_over(["preorder_payment_needed"], preorder_pk, attempt)


@task(priority=EMAIL_PRIORITY)
def send_preorder_cancelled(preorder_pk: int, attempt: int = 1) -> None:
    _hand_over(["preorder_cancelled"], preorder_pk, attempt)


@task(priority=EMAIL_PRIORITY)
def send_preorder_shipped(preorder_pk: int, attempt: int = 1) -> None:
    _hand_over(["preorder_shipped"], preorder_pk, attempt)


@task(priority=EMAIL_PRIORITY)
def send_release_date_changed(preorder_pk: int, new_date: str, attempt: int = 1) -> None:
    """`new_date` is no longer needed: the buyer is told the product's current date, once."""
    _hand_over(["preorder_release_date_changed"], preorder_pk, attempt)


# Release day ------------------------------------------------------------------------------

# Ahead of emails: a buyer's release-day charge decides what their emails say.
CHARGE_PRIORITY = 20


class ChargeNotMade(Exception):
    """Stripe could not be reached to charge a saved card; the pre-order still waits."""


@task(priority=CHARGE_PRIORITY)
def charge_at_release(preorder_pk: int, attempt: int = 1) -> None:
    """Charge one released pre-order's saved card (shop.preorders.charge_at_release). While
    Stripe cannot be reached it retries on the email schedule; after that, or on a backend
    that cannot delay, the campaign page shows it still waiting and releasing again requeues
    it. Running twice charges once: the charge carries an idempotency key."""
    from shop import payments, preorders  # preorders queues this task: imported when it runs

    try:
        preorders.charge_at_release(preorder_pk)
    except payments.PaymentError as error:
        if attempt > len(RETRY_DELAYS) or not charge_at_release.get_backend().supports_defer:
            raise ChargeNotMade(
                f"Pre-order {preorder_pk}: {error.message} (attempt {attempt}; release the "
                "campaign again to retry)"
            ) from error
        run_after = timezone.now() + RETRY_DELAYS[attempt - 1]
        charge_at_release.using(run_after=run_after).enqueue(preorder_pk, attempt=attempt + 1)
        raise ChargeNotMade(
            f"Pre-order {preorder_pk}: {error.message} (attempt {attempt}; retrying at "
            f"{run_after:%c})"
        ) from error
