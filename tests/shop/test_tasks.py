"""Emails leave the request through the task queue in the database: the worker
(`manage.py db_worker`) sends them to a real SMTP server, retries while it is down, and sends
each email once however often its task runs."""

import logging
import signal
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shop import tasks
from shop.models import Order
from tests.conftest import addressee
from tests.factories import ProductFactory, make_order
from tests.shop.stripe_events import checkout_session, event, signed

WEBHOOK = "/shop/stripe/webhook/"
CLOSED_PORT = 9  # nothing listens on the discard port on loopback: SMTP is "down"


def pay_by_webhook(client, order):
    session = checkout_session(order.stripe_session_id, reference=order.reference)
    body, signature = signed(event("checkout.session.completed", session))
    response = client.post(
        WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert response.status_code == 200


def run_worker():
    """`manage.py db_worker --batch`: run every task that is due, then stop. The worker takes
    over signal handling and its loggers' levels; both are put back for the next test."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    levels = {name: logging.getLogger(name).level for name in ("django_tasks", "django_tasks_db")}
    try:
        call_command(
            "db_worker", batch=True, interval=0, startup_delay=False, reload=False, verbosity=0
        )
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def shop_tasks():
    """The shop's tasks, leaving out Wagtail's (reference index updates for new products)."""
    return DBTaskResult.objects.filter(task_path__startswith="shop.").order_by("enqueued_at")


def statuses() -> list[str]:
    return list(shop_tasks().values_list("status", flat=True))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestTheWorker:
    """Real commits, as the worker is another process in production and sees only those."""

    @pytest.fixture(autouse=True)
    def database_queue(self, settings):
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    @pytest.fixture
    def order(self):
        return make_order([(ProductFactory(price=600, stock=3), 2)], session_id="cs_test_Q")

    def test_the_request_only_queues_the_emails_and_the_worker_sends_them(
        self, client, order, smtp_inbox
    ):
        pay_by_webhook(client, order)

        assert smtp_inbox.messages == []
        queued = [(task.task_path, task.args_kwargs) for task in shop_tasks()]
        assert queued == [
            ("shop.tasks.send_email", {"args": ["order_confirmed", order.pk], "kwargs": {}}),
            ("shop.tasks.send_email", {"args": ["staff_new_order", order.pk], "kwargs": {}}),
        ]

        run_worker()

        assert smtp_inbox.recipients() == ["buyer@example.com", "shop@quire.localhost"]
        assert statuses() == [TaskResultStatus.SUCCESSFUL] * 2
        order.refresh_from_db()
        assert order.confirmation_sent_at is not None

    def test_with_smtp_down_the_order_stays_paid_and_the_email_goes_once_smtp_is_back(
        self, client, order, smtp_inbox, settings
    ):
        smtp_port = settings.EMAIL_PORT
        settings.EMAIL_PORT = CLOSED_PORT

        pay_by_webhook(client, order)
        run_worker()

        order.refresh_from_db()
        assert order.status == Order.Status.PAID
        assert order.confirmation_sent_at is None
        assert statuses() == [TaskResultStatus.FAILED] * 2 + [TaskResultStatus.READY] * 2
        retries = shop_tasks().filter(status=TaskResultStatus.READY)
        assert [retry.args_kwargs for retry in retries] == [
            {"args": ["order_confirmed", order.pk], "kwargs": {"attempt": 2}},
            {"args": ["staff_new_order", order.pk], "kwargs": {"attempt": 2}},
        ]
        assert all(retry.run_after > timezone.now() for retry in retries)  # not before the delay

        settings.EMAIL_PORT = smtp_port
        run_worker()
        assert smtp_inbox.messages == []  # the retry is not due yet

        retries.update(run_after=timezone.now())
        run_worker()

        assert smtp_inbox.recipients() == ["buyer@example.com", "shop@quire.localhost"]
        assert statuses() == [TaskResultStatus.FAILED] * 2 + [TaskResultStatus.SUCCESSFUL] * 2
        order.refresh_from_db()
        assert order.status == Order.Status.PAID
        assert order.confirmation_sent_at is not None

    def test_a_task_run_twice_and_the_sweep_send_nothing_more(self, client, order, smtp_inbox):
        pay_by_webhook(client, order)
        tasks.send_email.enqueue("order_confirmed", order.pk)  # e.g. a webhook delivered twice

        run_worker()
        call_command("send_order_emails", verbosity=0)

        assert len(smtp_inbox.messages) == 2
        assert statuses() == [TaskResultStatus.SUCCESSFUL] * 3

    def test_when_the_retries_run_out_the_sweep_sends_the_email(
        self, client, order, smtp_inbox, settings
    ):
        smtp_port = settings.EMAIL_PORT
        settings.EMAIL_PORT = CLOSED_PORT
        pay_by_webhook(client, order)
        for _ in range(len(tasks.RETRY_DELAYS) + 1):
            DBTaskResult.objects.update(run_after=timezone.now() - timedelta(seconds=1))
            run_worker()

        assert statuses() == [TaskResultStatus.FAILED] * 2 * (len(tasks.RETRY_DELAYS) + 1)
        last = shop_tasks().last()
        assert last.args_kwargs["kwargs"] == {"attempt": len(tasks.RETRY_DELAYS) + 1}
        assert "manage.py send_order_emails" in last.traceback

        settings.EMAIL_PORT = smtp_port
        call_command("send_order_emails", verbosity=0)

        assert smtp_inbox.recipients() == ["buyer@example.com", "shop@quire.localhost"]

    def test_a_task_queued_under_its_old_name_still_sends_its_emails(self, order, smtp_inbox):
        """Tasks queued before a deploy are stored by name: the old names hand their emails
        over to `send_email`, which sends what is due."""
        Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID)
        tasks.send_order_emails.enqueue(order.pk)

        run_worker()
        run_worker()

        assert smtp_inbox.recipients() == ["buyer@example.com", "shop@quire.localhost"]
        assert statuses() == [TaskResultStatus.SUCCESSFUL] * 3

    def test_wagtail_indexes_references_through_the_same_worker(self):
        ProductFactory(title="Dirty Old Town")  # a snippet: Wagtail queues its reference index

        queued = DBTaskResult.objects.filter(task_path="wagtail.tasks.update_reference_index_task")
        assert queued.exists()
        run_worker()
        assert set(queued.values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}


@pytest.mark.django_db
def test_in_dev_and_tests_a_failed_email_is_left_for_the_sweep(client, settings):
    """The immediate backend cannot delay a retry; the order is still paid and the sweep
    sends the email later."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", CLOSED_PORT
    order = make_order([(ProductFactory(price=600, stock=3), 1)], session_id="cs_test_I")

    with TestCase.captureOnCommitCallbacks(execute=True):
        pay_by_webhook(client, order)

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.confirmation_sent_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_order_emails", verbosity=0)

    assert [addressee(m) for m in mail.outbox] == ["buyer@example.com", "shop@quire.localhost"]
