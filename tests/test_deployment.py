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
        **extra,
    )
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


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]

    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.returncode != 0
    assert "Set the DJANGO_SECRET_KEY environment variable." in result.stderr


def test_static_files_are_collected_compressed_with_hashed_names(tmp_path):
    result = manage("collectstatic", "--noinput", DJANGO_STATIC_ROOT=str(tmp_path))

    assert result.returncode == 0, result.stderr
    css = [p.name for p in (tmp_path / "css").iterdir()]
    assert any(name.startswith("quire.") and name.endswith(".css.gz") for name in css), css
    assert (tmp_path / "staticfiles.json").exists()


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
