"""`make serve` runs everything production runs: a newcomer trying it sees what a deployment shows.

Tried as a newcomer, every `/media/` URL under `make serve` was a 404 (pictures missing
everywhere) and search found nothing, because no task worker ran: index updates and emails
waited in the queue. This starts `bin/serve` itself, on its own PostgreSQL database and Redis
db and with the tests' real SMTP server, and uses the site in Chromium as a reader does.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import redis
import requests
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.preorder_form import fill_in_pre_order
from tests.conftest import addressee, free_port

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

ROOT = Path(settings.BASE_DIR)
DATABASE = "quire_make_serve_test"
REDIS_URL = os.environ.get("QUIRE_TEST_SERVE_REDIS_URL", "redis://127.0.0.1:6379/9")


def postgres_url(name: str) -> str:
    database = settings.DATABASES["default"]
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
    return f"postgres://{database['USER']}@{host}:{port}/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(postgres_url("postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_until(check, seconds: float, every: float = 0.5):
    """`check()`'s first true answer within `seconds`, else its last answer."""
    deadline = time.monotonic() + seconds
    while True:
        answer = check()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(every)


def processes_in_group(group: int) -> list[str]:
    found = subprocess.run(["ps", "-o", "args=", "-g", str(group)], capture_output=True, text=True)
    return [line for line in found.stdout.splitlines() if line.strip()]


@pytest.fixture
def served(tmp_path, smtp_inbox, settings):
    """`bin/serve` on a fresh database, emails to the tests' SMTP server; killed if left up."""
    drop_database(DATABASE)
    redis.Redis.from_url(REDIS_URL).flushdb()
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.pop("QUIRE_SERVE_MEDIA", None)
    env.update(
        PY=sys.executable,
        HOST="127.0.0.1",
        PORT=str(port),
        DATABASE_URL=postgres_url(DATABASE),
        REDIS_URL=REDIS_URL,
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(settings.EMAIL_PORT),
    )
    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        [str(ROOT / "bin" / "serve")],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def up_or_dead():
        if process.poll() is not None:
            return True
        try:
            return requests.get(f"{base}/health/", timeout=10).status_code == 200
        except requests.RequestException:  # not listening yet, or its workers still booting
            return False

    wait_until(up_or_dead, 300)
    if process.poll() is not None:
        pytest.fail(f"bin/serve stopped:\n{log.read_text()[-5000:]}")
    yield process, base, log
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    drop_database(DATABASE)


def test_make_serve_shows_pictures_finds_posts_sends_emails_and_stops_whole(
    served, page, smtp_inbox
):
    process, base, log = served

    page.goto(f"{base}/")
    pictures = page.locator("img[src^='/media/']")
    expect(pictures.first).to_be_visible()
    assert pictures.count(), "the home page shows uploaded pictures"
    for index in range(pictures.count()):  # lazy ones load once scrolled to, as a reader does
        picture = pictures.nth(index)
        picture.scroll_into_view_if_needed()
        expect(picture).to_have_js_property("complete", True)
        src = picture.get_attribute("src")
        assert picture.evaluate("img => img.naturalWidth") > 0, f"{src} loads"
    picture = requests.get(base + pictures.first.get_attribute("src"), timeout=10)
    assert "sandbox" in picture.headers["Content-Security-Policy"]
    assert requests.get(f"{base}/media/documents/a.pdf", timeout=10).status_code == 404
    escape = requests.get(f"{base}/media/images/..%2F..%2Fdemo-admin.txt", timeout=10)
    assert escape.status_code in (400, 404)  # refused, never a file outside the folder

    def search_finds_the_canal_walk():
        page.goto(f"{base}/search/?q=canal")
        return page.get_by_role("link", name="Walking the canal at dawn").count() > 0

    assert wait_until(search_finds_the_canal_walk, 60), "the task worker indexes the demo"

    page.goto(f"{base}/pre-order/")
    fill_in_pre_order(page)
    page.get_by_label("I have read the terms").check()
    page.get_by_role("button", name="Place my pre-order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    emailed = wait_until(
        lambda: "ruth@example.com" in [addressee(m) for m in smtp_inbox.messages], 60
    )
    assert emailed, "the task worker sends the confirmation"

    assert any("db_worker" in line for line in processes_in_group(process.pid))
    process.send_signal(signal.SIGINT)  # Ctrl-C in the terminal
    try:
        process.wait(timeout=90)
    except subprocess.TimeoutExpired:
        left = processes_in_group(process.pid)
        pytest.fail(f"bin/serve still running; {left}\n{log.read_text()[-3000:]}")
    assert wait_until(lambda: not processes_in_group(process.pid), 30), (
        "gunicorn and the task worker stop with it"
    )
