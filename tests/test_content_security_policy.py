"""The Content Security Policy header: strict on public pages, looser only under the admin."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in header.split(";"):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


def test_public_pages_send_the_strict_policy(client, home):
    response = client.get("/")

    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert set(policy["frame-src"]) == {
        "https://www.youtube.com",
        "https://www.youtube-nocookie.com",
        "https://player.vimeo.com",
    }
    assert policy["form-action"] == ["'self'", "https://checkout.stripe.com"]


def test_checkout_may_redirect_to_the_local_stripe_server_it_talks_to(client, home, settings):
    """Chrome applies form-action to the redirect after the checkout form's POST, so the
    policy must name the payment page's origin, and only that one."""
    settings.STRIPE_API_BASE = "http://127.0.0.1:12111"

    response = client.get("/shop/basket/")

    policy = directives(response["Content-Security-Policy"])
    assert policy["form-action"] == ["'self'", "http://127.0.0.1:12111"]


# Printed by `manage.py shell` under the dev or production settings: the public policy's
# form-action as the middleware derives it.
PRINT_FORM_ACTION = """
import json
from django.conf import settings
from config.csp import public_policy
print(json.dumps(public_policy(settings.QUIRE_CSP)["form-action"]))
"""


def form_action_under(settings_module: str, **env: str) -> list[str]:
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "STRIPE_", "QUIRE_"))
    }
    environ.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        DJANGO_SECRET_KEY="form-action-test-key",
        DJANGO_ALLOWED_HOSTS="quire.example",
        QUIRE_SITE_URL="https://quire.example",
        **env,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT_FORM_ACTION],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("settings_module", ["config.settings.dev", "config.settings.production"])
def test_dev_and_production_let_checkout_redirect_to_the_stripe_in_use(settings_module):
    assert form_action_under(settings_module) == ["'self'", "https://checkout.stripe.com"]
    assert form_action_under(settings_module, STRIPE_API_BASE="http://127.0.0.1:8420/") == [
        "'self'",
        "http://127.0.0.1:8420",
    ]


def test_shop_and_error_pages_send_it_too(client, home):
    for path in ["/shop/", "/shop/basket/", "/no-such-page/"]:
        response = client.get(path)
        assert "script-src 'self';" in response["Content-Security-Policy"], path


def test_admin_may_run_its_inline_scripts_and_frame_its_own_previews(admin_client):
    response = admin_client.get("/admin/")

    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]


def test_report_only_switch_sends_the_policy_without_enforcing_it(client, home, settings):
    settings.QUIRE_CSP_REPORT_ONLY = True

    response = client.get("/")

    assert "Content-Security-Policy" not in response
    assert "script-src 'self';" in response["Content-Security-Policy-Report-Only"]


def test_public_templates_carry_no_inline_script_style_or_event_handler():
    """Public pages are cached whole, so the policy has no nonce to allow inline code with.
    JSON-LD blocks are data, which the policy does not cover; emails are not web pages."""
    inline = re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)|<style|\sstyle=|\son[a-z]+=",
        re.IGNORECASE,
    )
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group()}"
        for path in TEMPLATES.rglob("*.html")
        if "emails" not in path.parts
        for match in inline.finditer(path.read_text())
    ]

    assert found == []


def test_no_other_page_may_frame_a_public_page(client, home):
    response = client.get("/")

    assert response["X-Frame-Options"] == "DENY"


def test_the_admin_preview_panel_may_frame_a_preview_with_the_public_policy(
    admin_client, make_post
):
    from django.urls import reverse
    from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

    post = make_post()
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[post.pk])
    data = {"title": post.title, "slug": post.slug, "date": "2026-11-20", "intro": post.intro}
    body = streamfield([("paragraph", rich_text("<p>Draft.</p>"))])
    assert admin_client.post(url, nested_form_data({**data, "tags": "", "body": body})).json()[
        "is_valid"
    ]

    response = admin_client.get(url + "?in_preview_panel=true")

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    policy = directives(response["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # otherwise the public page's own policy
