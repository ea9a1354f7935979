"""Browser tests: Playwright drives Debian's Chromium against a live test server.

Chromium must be present (`make test` installs it); a missing browser fails the run rather than
skipping it, so a green suite always means the pages were really clicked through.
"""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = Path(os.environ.get("QUIRE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures here
# happen before any page is driven, so Django's async-safety guard can be relaxed for them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    """A fresh Chromium per test. Playwright's sync API keeps an event loop in this thread while
    it runs, and Django's per-context database connections must not be shared with it across
    tests, so tests start the browser after their data is loaded and stop it before cleanup."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make test` (it installs it) "
            "or set QUIRE_CHROMIUM."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def demo_site(django_db_serialized_rollback, transactional_db, live_server):
    """The demo site served by a live server. The serialized rollback restores the rows that
    Wagtail's migrations create (root page, default locale and site), which flushing between
    transactional tests would otherwise remove."""
    call_command("load_demo", stdout=io.StringIO())
    return live_server.url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
