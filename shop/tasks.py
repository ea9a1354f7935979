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
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

from shop import emails

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
def send_order_emails(order_pk: int, attempt: int = 1) -> None:
    _retry_unless(emails.send_order_emails(order_pk), send_order_emails, [order_pk], attempt)


@task(priority=EMAIL_PRIORITY)
def send_shipping_notice(order_pk: int, attempt: int = 1) -> None:
    _retry_unless(emails.send_shipping_notice(order_pk), send_shipping_notice, [order_pk], attempt)


@task(priority=EMAIL_PRIORITY)
def send_preorder_emails(preorder_pk: int, attempt: int = 1) -> None:
    sent = emails.send_preorder_emails(preorder_pk)
    _retry_unless(sent, send_preorder_emails, [preorder_pk], attempt)


@task(priority=EMAIL_PRIORITY)
def send_preorder_paid(preorder_pk: int, attempt: int = 1) -> None:
    _retry_unless(
        emails.send_preorder_paid(preorder_pk), send_preorder_paid, [preorder_pk], attempt
    )


@task(priority=EMAIL_PRIORITY)
def send_payment_needed(preorder_pk: int, attempt: int = 1) -> None:
    sent = emails.send_payment_needed(preorder_pk)
    _retry_unless(sent, send_payment_needed, [preorder_pk], attempt)


@task(priority=EMAIL_PRIORITY)
def send_preorder_cancelled(preorder_pk: int, attempt: int = 1) -> None:
    sent = emails.send_preorder_cancelled(preorder_pk)
    _retry_unless(sent, send_preorder_cancelled, [preorder_pk], attempt)


@task(priority=EMAIL_PRIORITY)
def send_preorder_shipped(preorder_pk: int, attempt: int = 1) -> None:
    sent = emails.send_preorder_shipped(preorder_pk)
    _retry_unless(sent, send_preorder_shipped, [preorder_pk], attempt)


@task(priority=EMAIL_PRIORITY)
def send_release_date_changed(preorder_pk: int, new_date: str, attempt: int = 1) -> None:
    """`new_date` is ISO 8601 (task arguments are JSON)."""
    sent = emails.send_release_date_changed(preorder_pk, date.fromisoformat(new_date))
    _retry_unless(sent, send_release_date_changed, [preorder_pk, new_date], attempt)
