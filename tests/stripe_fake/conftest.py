"""Fixtures for the fake's own tests: one fake per test module, flushed before each test, and
the clients the shop would use against it."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import stripe

from tests.stripe_fake import start_fake_stripe


@pytest.fixture(scope="module")
def fake():
    started = time.monotonic()
    fake = start_fake_stripe()
    assert time.monotonic() - started < 1
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def fresh(fake):
    fake.flush()


@pytest.fixture
def client(fake):
    return stripe.StripeClient(
        api_key="sk_test_fake", base_addresses={"api": fake.api_base}, max_network_retries=0
    )


@pytest.fixture
def http():
    session = requests.Session()
    session.trust_env = False  # loopback only, whatever proxies the environment names
    return session


@pytest.fixture
def webhook_secret():
    return "whsec_test_secret"


@pytest.fixture
def webhooks(fake, webhook_secret):
    """A webhook receiver on loopback, registered with the fake; yields the (signature header,
    raw body) pairs it receives."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["Stripe-Signature"], body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    fake.register_webhook(f"http://127.0.0.1:{httpd.server_port}/stripe/webhook/", webhook_secret)
    yield received
    httpd.shutdown()
    httpd.server_close()
