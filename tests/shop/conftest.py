"""Real parts for shop tests: a local Stripe-compatible server and an SMTP server on loopback."""

import socket
import threading
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from tests.stripe_fake import start_fake_stripe


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
            self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def recipients(self) -> list[str]:
        return sorted(message["To"] for message in self.messages)


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
