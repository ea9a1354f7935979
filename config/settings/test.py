"""The test suite: fast hashing, no outgoing network, media in a throwaway folder."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-secret-key"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run as they are enqueued (after the commit that enqueues them); tests of the queue
# itself switch to the database backend and run the worker (tests/shop/test_tasks.py).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = tempfile.mkdtemp(prefix="quire-test-media-")
QUIRE_SITE_URL = WAGTAILADMIN_BASE_URL = "http://testserver"
# The browser tests load the demo for each test, and making every picture size of every page
# at each load cost ~4 s a test; tests/cms/test_renditions.py turns it on, and `make serve`'s
# test runs it as production does.
QUIRE_RENDITIONS_ON_PUBLISH = False

# Tests must never reach the internet. The oEmbed finder is pointed at a closed loopback port,
# which is what an unreachable provider looks like; tests that need a working provider start
# their own on loopback and override this setting.
WAGTAILEMBEDS_FINDERS = [
    {
        "class": "wagtail.embeds.finders.oembed",
        "providers": [
            {
                "endpoint": "http://127.0.0.1:9/oembed",
                "urls": [
                    r"^https?://(?:[-\w]+\.)?youtube\.com/watch.+$",
                    r"^https?://youtu\.be/.+$",
                    r"^https?://(?:www\.)?vimeo\.com/.+$",
                ],
            }
        ],
    }
]

# A file, not SQLite's in-memory database: the live server for browser tests then gets its own
# connection, as it would in production, instead of sharing the test thread's.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(Path(MEDIA_ROOT) / "test-db.sqlite3")}  # noqa: F405

# Webhooks in tests are signed with this secret; tests that talk to the local Stripe server
# set STRIPE_SECRET_KEY and STRIPE_API_BASE themselves. Without a key, checkout says so.
STRIPE_SECRET_KEY = ""
STRIPE_WEBHOOK_SECRET = "whsec_test_secret"

# Request lines reach the root logger, where pytest's caplog listens.
LOGGING["loggers"]["quire.requests"] = {"level": "INFO"}  # noqa: F405
