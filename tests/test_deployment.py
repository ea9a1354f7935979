"""Production readiness: deploy checks, the health endpoint, static files with hashed names,
uploads on S3 when configured."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def production_env(**extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "REDIS", "AWS_", "QUIRE_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="quire.example",
        QUIRE_SITE_URL="https://quire.example",
    )
    env.update(extra)
    return env


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr


def check_without(variable: str) -> subprocess.CompletedProcess:
    """`manage.py check` under the production settings with one required variable unset."""
    env = production_env()
    del env[variable]
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = check_without("DJANGO_SECRET_KEY")

    assert result.returncode != 0
    assert "Set the DJANGO_SECRET_KEY environment variable." in result.stderr


def test_production_refuses_to_start_without_the_site_address():
    """Emails are sent by a worker with no request to read the address from: without the
    setting every link in them would point at a developer's laptop."""
    result = check_without("QUIRE_SITE_URL")

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set the QUIRE_SITE_URL environment variable." in result.stderr


@pytest.mark.parametrize("address", ["quire.example", "ftp://quire.example", "https://"])
def test_production_refuses_a_site_address_that_is_not_one(address):
    result = manage("check", QUIRE_SITE_URL=address)

    assert result.returncode != 0
    assert "QUIRE_SITE_URL must be the site's address, such as https://quire.example" in (
        result.stderr
    )


def test_the_site_address_also_addresses_the_admin_emails():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; "
        "print(settings.QUIRE_SITE_URL, settings.WAGTAILADMIN_BASE_URL)",
        QUIRE_SITE_URL="https://quire.example/",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["https://quire.example"] * 2


def test_make_run_points_email_links_at_the_address_it_serves():
    result = subprocess.run(
        ["make", "-s", "--eval", "site-url: ; @echo $$QUIRE_SITE_URL", "site-url", "PORT=8123"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "QUIRE_SITE_URL"},
        capture_output=True,
        text=True,
    )

    assert result.stdout.strip() == "http://127.0.0.1:8123"


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory) -> Path:
    """Static files collected as a deployment collects them (once for this module)."""
    root = tmp_path_factory.mktemp("static")
    result = manage("collectstatic", "--noinput", DJANGO_STATIC_ROOT=str(root))
    assert result.returncode == 0, result.stderr
    return root


def test_static_files_are_collected_compressed_with_hashed_names(collected_static):
    css = [p.name for p in (collected_static / "css").iterdir()]
    assert any(name.startswith("quire.") and name.endswith(".css.gz") for name in css), css
    assert (collected_static / "staticfiles.json").exists()


@pytest.mark.django_db
def test_health_reports_database_and_cache(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


# Printed by `manage.py shell` under production settings; builds the storage without touching it.
DESCRIBE_PRODUCTION = """
import json
from django.conf import settings
from django.core.files.storage import storages
storage = storages["default"]
print(json.dumps({
    "storage": f"{type(storage).__module__}.{type(storage).__name__}",
    "url": storage.url("images/canal.jpg"),
    "img_src": settings.QUIRE_CSP["img-src"],
    "middleware": settings.MIDDLEWARE[:3],
    "request_log_format": settings.LOGGING["handlers"]["requests"]["formatter"],
}))
"""


def describe_production(**env) -> dict:
    result = manage("shell", "-c", DESCRIBE_PRODUCTION, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_uploads_stay_on_local_disk_without_a_bucket():
    production = describe_production()

    assert production["storage"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert production["img_src"] == ["'self'", "data:"]
    assert production["middleware"] == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.middleware.gzip.GZipMiddleware",
    ]
    assert production["request_log_format"] == "json"


def test_uploads_go_to_an_s3_bucket_when_one_is_configured():
    """Only settings are read: building the storage and its URLs sends nothing anywhere."""
    production = describe_production(
        AWS_STORAGE_BUCKET_NAME="quire-media",
        AWS_S3_ENDPOINT_URL="https://objects.example.test",
        AWS_S3_REGION_NAME="auto",
        AWS_ACCESS_KEY_ID="test-key-id",
        AWS_SECRET_ACCESS_KEY="test-secret",
    )

    assert production["storage"] == "storages.backends.s3.S3Storage"
    assert production["url"].startswith("https://objects.example.test/")
    assert production["url"].endswith("/images/canal.jpg")
    assert "?" not in production["url"]  # unsigned: cached pages never hold an expiring link
    assert production["img_src"] == ["'self'", "data:", "https://objects.example.test"]


def test_a_custom_media_domain_is_the_one_allowed_for_images():
    production = describe_production(
        AWS_STORAGE_BUCKET_NAME="quire-media", AWS_S3_CUSTOM_DOMAIN="media.quire.example"
    )

    assert production["url"] == "https://media.quire.example/images/canal.jpg"
    assert production["img_src"][-1] == "https://media.quire.example"


def _preorder_limits(**env) -> str:
    code = (
        "from django.conf import settings; "
        "print(settings.QUIRE_PREORDER_LIMIT_PER_IP, settings.QUIRE_PREORDER_LIMIT_PER_EMAIL)"
    )
    result = manage("shell", "--no-imports", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_preorder_rate_limits_default_to_twenty_an_hour_per_ip_and_five_per_email():
    assert _preorder_limits() == "(20, 3600) (5, 3600)"


def test_preorder_rate_limits_can_be_raised_from_the_environment_for_the_benchmark():
    limits = _preorder_limits(QUIRE_PREORDER_LIMIT_PER_IP="100000/60")

    assert limits == "(100000, 60) (5, 3600)"


# Asked by `manage.py shell` under production settings, against a database that hangs.
ASK_A_HUNG_DATABASE = """
import json
from django.test import Client
client = Client(raise_request_exception=False)
health = client.get("/health/", HTTP_HOST="quire.example", secure=True)
page = client.get("/blog/", HTTP_HOST="quire.example", secure=True)
print(json.dumps({
    "health": [health.status_code, health.json()],
    "page": [page.status_code, page.get("Retry-After"), page.content.decode()],
}))
"""


@pytest.fixture
def hung_database():
    """A server on loopback that accepts connections and never answers, as a hung PostgreSQL."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"postgres://quire@127.0.0.1:{listener.getsockname()[1]}/quire"
    listener.close()


def test_a_hung_database_makes_health_and_pages_answer_503_instead_of_hanging(
    hung_database, collected_static
):
    """With no connect timeout, /health/ gave no answer in 130 s. Now each request gives up
    after DATABASE_CONNECT_TIMEOUT and says the site is back in a moment (subprocess timeout:
    a hang fails the test)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", ASK_A_HUNG_DATABASE],
        cwd=ROOT,
        env=production_env(
            DATABASE_URL=hung_database,
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_STATIC_ROOT=str(collected_static),
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["health"] == [503, {"database": "unavailable", "cache": "ok"}]
    status, retry_after, page = answers["page"]
    assert (status, retry_after) == (503, "30")
    assert "Back in a moment" in page and "Traceback" not in page


def _cache_key_prefix(**env) -> str:
    code = "from django.conf import settings; print(settings.CACHES['default']['KEY_PREFIX'])"
    result = manage(
        "shell", "--no-imports", "-c", code, REDIS_URL="redis://127.0.0.1:6379/5", **env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_each_database_gets_a_cache_key_prefix_of_its_own():
    """Two sites (or a site and a test run) sharing one Redis database must not read each
    other's pages, site data or Wagtail's root paths."""
    site = _cache_key_prefix(DATABASE_URL="postgres://quire@db.example:5432/quire")
    again = _cache_key_prefix(DATABASE_URL="postgres://quire@db.example:5432/quire")
    other_name = _cache_key_prefix(DATABASE_URL="postgres://quire@db.example:5432/test_quire")
    other_host = _cache_key_prefix(DATABASE_URL="postgres://quire@db2.example:5432/quire")

    assert site == again
    assert len({site, other_name, other_host}) == 3


def test_the_cache_key_prefix_can_be_set_from_the_environment():
    prefix = _cache_key_prefix(
        DATABASE_URL="postgres://quire@db.example:5432/quire", QUIRE_CACHE_KEY_PREFIX="blue"
    )

    assert prefix == "blue"
