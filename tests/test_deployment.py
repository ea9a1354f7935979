"""Production readiness: deploy checks, the health endpoint, static files with hashed names."""

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
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "REDIS"))
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


@pytest.mark.django_db
def test_health_says_which_part_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
        }
    }

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "cache": "unavailable"}


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
