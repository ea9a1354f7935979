"""gunicorn's access log, as `make serve` runs it, holds no secret from a URL.

A real gunicorn runs the production settings with the logging options `bin/serve` gives it, on
the test database, and is sent the URLs that carry a buyer's secrets: an order link (its token)
and Stripe's return URL (the Checkout Session id), also as the Referer of a later request.
"""

import http.client
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import free_port

# Committed, not in a test transaction: gunicorn reads the same database from its own process.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(settings.BASE_DIR)
# What bin/serve passes gunicorn for its access log (checked against the script below).
SERVE_LOG_OPTIONS = ["--config", "python:config.gunicorn", "--access-logfile", "-"]
TOKEN = "s3cr3t-0rder-t0ken"
SESSION_ID = "cs_test_s3cr3tS3ss10n"


def database_url() -> str:
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    return (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


class ServedSite:
    """A gunicorn started as bin/serve starts it; `stop()` gives back everything it wrote."""

    def __init__(self, port: int, process: subprocess.Popen, log: Path):
        self.port, self.process, self.log = port, process, log

    def get(self, path: str, **headers) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", path, headers={"Host": "127.0.0.1", **headers})
        status = conn.getresponse().status
        conn.close()
        return status

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        return self.log.read_text()


@pytest.fixture
def served(tmp_path):
    """gunicorn with the production settings and bin/serve's log options, on the test database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.pop("REDIS_URL", None)  # the local-memory cache: this test leaves the shared Redis alone
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        QUIRE_SITE_URL="http://127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        DATABASE_URL=database_url(),
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    log = tmp_path / "gunicorn.log"
    port = free_port()
    site = ServedSite(
        port,
        subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
            + ["--bind", f"127.0.0.1:{port}", "--workers", "1", *SERVE_LOG_OPTIONS],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        ),
        log,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if site.get("/health/") == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or site.process.poll() is not None:
                raise RuntimeError(f"gunicorn did not start:\n{site.stop()}")
            time.sleep(0.2)
        yield site
    finally:
        site.stop()


def test_bin_serve_gives_gunicorn_the_logging_options_this_test_uses():
    serve = (ROOT / "bin" / "serve").read_text()
    assert " ".join(SERVE_LOG_OPTIONS) in serve


def test_the_access_log_masks_order_tokens_and_stripe_session_ids(served):
    assert served.get(f"/shop/orders/Q-ABC123/{TOKEN}/") == 404
    assert served.get(f"/shop/checkout/success/?session_id={SESSION_ID}") == 404
    assert served.get(f"/shop/pre-orders/P-ABC123/{TOKEN}/?from=email") == 404
    referer = f"http://127.0.0.1/shop/orders/Q-ABC123/{TOKEN}/?session_id={SESSION_ID}"
    assert served.get("/robots.txt", Referer=referer) == 200
    assert served.get("/static/css/quire.css", Referer=referer) == 200  # WhiteNoise, not Django

    text = served.stop()
    access = "\n".join(line for line in text.splitlines() if ' HTTP/1.1" ' in line)
    assert '"GET /shop/orders/Q-ABC123/***/ HTTP/1.1" 404' in access
    assert '"GET /shop/checkout/success/ HTTP/1.1" 404' in access
    assert '"GET /shop/pre-orders/P-ABC123/***/ HTTP/1.1" 404' in access
    assert '"GET /robots.txt HTTP/1.1" 200' in access
    assert '"GET /static/css/quire.css HTTP/1.1" 200' in access
    assert access.count('"http://127.0.0.1/shop/orders/Q-ABC123/***/"') == 2
    assert TOKEN not in text
    assert SESSION_ID not in text
