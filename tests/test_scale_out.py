"""Two app servers behind one address behave as one site.

Two gunicorn instances run the production settings against the same PostgreSQL database and
the same Redis, as N servers behind a load balancer would. A small client plays the balancer's
part: it sends every request with the site's one host name and `X-Forwarded-Proto: https`, and
keeps one cookie jar per visitor whichever server answers.
"""

import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import redis
from bs4 import BeautifulSoup
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection

from shop.models import PreOrder, Product
from tests.conftest import free_port
from tests.factories import (
    BlogPageFactory,
    PreOrderProductFactory,
    ProductFactory,
    make_preorder_form_page,
)
from tests.shop.test_preorders import details

pytestmark = [pytest.mark.postgres]

ROOT = Path(settings.BASE_DIR)
HOST = "quire.test"
REDIS_URL = os.environ.get("QUIRE_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


class AppServer:
    def __init__(self, port: int, process: subprocess.Popen, log: Path):
        self.port, self.process, self.log = port, process, log

    def __repr__(self):
        return f"<gunicorn on :{self.port}>"


def start_app_server(env: dict, log: Path) -> AppServer:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/health/", headers={"Host": HOST})
            if conn.getresponse().status == 200:
                return AppServer(port, process, log)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}")


@pytest.fixture(scope="module")
def app_servers(tmp_path_factory, django_db_blocker):
    """Two gunicorn instances (two workers each) on the test database and one Redis."""
    tmp = tmp_path_factory.mktemp("scale_out")
    database = settings.DATABASES["default"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        QUIRE_SITE_URL=f"http://{HOST}",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_STATIC_ROOT=str(tmp / "static"),
        DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        DATABASE_URL=(
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        REDIS_URL=REDIS_URL,
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    servers = [start_app_server(env, tmp / f"gunicorn-{n}.log") for n in (1, 2)]
    yield servers
    for server in servers:
        server.process.terminate()
    for server in servers:
        server.process.wait(timeout=30)


@pytest.fixture
def site(django_db_serialized_rollback, transactional_db, app_servers):
    """Committed data both servers can see, and an empty shared cache. The serialized rollback
    restores what migrations made (content types, Wagtail's root page and locale), which
    earlier transactional tests' flushes removed."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    from wagtail.models import Page, Site

    from tests.factories import BlogIndexPageFactory, HomePageFactory

    home = HomePageFactory(parent=Page.get_first_root_node())
    Site.objects.all().delete()
    Site.objects.create(hostname=HOST, port=443, root_page=home, is_default_site=True)
    blog = BlogIndexPageFactory(parent=home)
    yield {"home": home, "blog": blog}
    connection.close()


class Visitor:
    """One person's browser: one cookie jar, whichever app server the balancer picks."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, server: AppServer, method: str, path: str, form: dict | None = None):
        headers = {"Host": HOST, "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{HOST}"
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response, content

    def get(self, server, path):
        return self.request(server, "GET", path)

    def post(self, server, path, form):
        return self.request(server, "POST", path, form)

    def form_fields(self, server, path, selector="form:has(input[name=csrfmiddlewaretoken])"):
        response, content = self.get(server, path)
        assert response.status == 200, content[:500]
        form = BeautifulSoup(content, "html.parser").select_one(selector)
        return {field["name"]: field.get("value", "") for field in form.select("input[name]")}


def basket_count(visitor, server) -> int:
    response, content = visitor.get(server, "/shop/basket/count/")
    return json.loads(content)["count"]


def test_a_basket_filled_on_one_server_is_the_same_on_the_other(site, app_servers):
    one, other = app_servers
    product = ProductFactory(stock=10)
    buyer = Visitor()

    token = json.loads(buyer.get(one, "/shop/basket/count/")[1])["csrfToken"]
    add = {"product": product.pk, "quantity": "1", "price": product.price}
    response, _ = buyer.post(one, "/shop/basket/add/", {**add, "csrfmiddlewaretoken": token})
    assert response.status == 302

    assert basket_count(buyer, other) == 1
    response, _ = buyer.post(other, "/shop/basket/add/", {**add, "csrfmiddlewaretoken": token})
    assert response.status == 302
    assert basket_count(buyer, one) == 2
    assert basket_count(Visitor(), one) == 0


def test_unpublishing_on_one_server_retires_the_page_cached_for_the_other(
    site, app_servers, settings
):
    one, other = app_servers
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # as served
    post = BlogPageFactory(parent=site["blog"], title="Soon withdrawn")
    User.objects.create_superuser("editor", "editor@example.com", "a long editor password")
    reader, editor = Visitor(), Visitor()
    assert reader.get(other, post.url)[0].status == 200
    cached, content = reader.get(other, post.url)
    assert cached.getheader("X-Cache") == "HIT" and b"Soon withdrawn" in content

    login = editor.form_fields(one, "/admin/login/")
    login.update(username="editor", password="a long editor password")
    assert editor.post(one, "/admin/login/", login)[0].status == 302
    unpublish = editor.form_fields(one, f"/admin/pages/{post.pk}/unpublish/")
    assert editor.post(one, f"/admin/pages/{post.pk}/unpublish/", unpublish)[0].status == 302

    assert reader.get(other, post.url)[0].status == 404
    listing = reader.get(other, "/blog/")[1].decode()
    assert "Soon withdrawn" not in listing


def test_a_pre_order_cap_holds_with_buyers_spread_over_both_servers(site, app_servers):
    book = PreOrderProductFactory(title="Dirty Old Town", preorder_cap=5)
    make_preorder_form_page(site["home"])
    buyers = 12
    start = threading.Barrier(buyers)
    outcomes = {}

    def buy(n: int):
        server = app_servers[n % 2]
        visitor = Visitor()
        form = visitor.form_fields(server, "/pre-order/", "form.preorder-form")
        form.update(details(quantity="1", email=f"buyer{n}@example.com", name=f"Buyer {n}"))
        start.wait()
        response, content = visitor.post(server, "/pre-order/", form)
        outcomes[n] = (response.status, content.decode())

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    accepted = [n for n, (status, _) in outcomes.items() if status == 302]
    refused = {n: page for n, (status, page) in outcomes.items() if status == 409}
    assert len(outcomes) == buyers
    assert len(accepted) == 5
    assert len(refused) == buyers - 5
    assert all(re.search(r"is now full|left to pre-order", page, re.I) for page in refused.values())
    assert PreOrder.objects.count() == 5
    assert Product.objects.get(pk=book.pk).preorder_reserved == 5
