import os
import signal
import socket
import threading
from email import message_from_bytes, policy
from email.utils import parseaddr

import pytest
from aiosmtpd.controller import Controller
from hypothesis import settings as hypothesis_settings
from wagtail.models import Page, Site

from tests.factories import BlogIndexPageFactory, BlogPageFactory, HomePageFactory
from tests.stripe_fake import start_fake_stripe


def pytest_configure(config):
    """Tests press Ctrl-C on the processes they start (`make run`'s Stripe server, `make
    serve`). A run started in the background by a script (`.ci/run &`) inherits SIGINT
    *ignored* (POSIX: asynchronous commands ignore it), and so would every process the tests
    start: sh cannot even trap it then. Put back Python's usual handler, so they start as from
    a terminal."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


# Property tests draw the same examples on every run of `make test`, so CI passes or fails on
# the code, not on the luck of a draw. `make fuzz` explores: fresh random examples, many more
# of them; what it finds becomes a fixed regression test.
hypothesis_settings.register_profile("repeatable", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with empty caches (rate limits, failed embeds, renditions, pictures)."""
    from django.conf import settings
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a change as if its transaction committed (on_commit callbacks included)."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


@pytest.fixture
def home(db):
    """A site whose root is a HomePage, replacing Wagtail's initial placeholder page."""
    root = Page.get_first_root_node()
    home = HomePageFactory(parent=root)
    Site.objects.all().delete()
    Site.objects.create(
        hostname="testserver", port=80, root_page=home, is_default_site=True, site_name="Quire"
    )
    return home


@pytest.fixture
def blog(home):
    return BlogIndexPageFactory(parent=home)


@pytest.fixture
def make_post(blog):
    def make(**kwargs):
        kwargs.setdefault("parent", blog)
        return BlogPageFactory(**kwargs)

    return make


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL's row locks; on SQLite they are skipped (CI runs
    the suite a second time on PostgreSQL, where they run)."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


# Real parts for shop tests: a local Stripe-compatible server and an SMTP server on loopback.


@pytest.fixture
def fake_stripe(settings):
    fake = start_fake_stripe()
    settings.STRIPE_SECRET_KEY = "sk_test_quire"
    settings.STRIPE_API_BASE = fake.api_base
    yield fake
    fake.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """Collects what the SMTP server receives."""

    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def recipients(self) -> list[str]:
        return sorted(addressee(message) for message in self.messages)


def addressee(message) -> str:
    """The address a message went to, without the name it carries ("Jane <jane@…>"), from
    the SMTP server's inbox or from Django's `mail.outbox`."""
    to = message["To"] if hasattr(message, "get_body") else message.to[0]
    return parseaddr(str(to))[1]


@pytest.fixture
def smtp_inbox(settings):
    """A real SMTP server on 127.0.0.1; Django's SMTP backend sends to it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield inbox
    controller.stop()


CLOSED_PORT = 9  # nothing listens on the discard port on loopback: SMTP is "down"


class Smtp:
    """Switches Django's SMTP settings between the real loopback server and a closed port."""

    def __init__(self, settings, inbox):
        self.settings, self.inbox, self.port = settings, inbox, settings.EMAIL_PORT

    def down(self):
        self.settings.EMAIL_PORT = CLOSED_PORT

    def up(self):
        self.settings.EMAIL_PORT = self.port


@pytest.fixture
def smtp(settings, smtp_inbox):
    """The loopback SMTP server, which a test can take down and bring back up."""
    return Smtp(settings, smtp_inbox)
