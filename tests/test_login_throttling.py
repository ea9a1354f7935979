"""Signing in to the admin: guessing passwords is stopped after a few tries (django-axes),
with a reason, and without locking the writer out from elsewhere."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOGIN = reverse("wagtailadmin_login")


@pytest.fixture
def writer(django_user_model):
    return django_user_model.objects.create_superuser("ruth", "ruth@example.com", "right-pass")


def sign_in(client, password, address="203.0.113.7"):
    return client.post(LOGIN, {"username": "ruth", "password": password}, REMOTE_ADDR=address)


def test_after_five_wrong_passwords_even_the_right_one_is_refused_with_a_reason(client, writer):
    for _ in range(4):
        assert sign_in(client, "guess").status_code == 200  # the form, with its error
    assert sign_in(client, "guess").status_code == 429  # the fifth locks the pair

    refused = sign_in(client, "right-pass")

    assert refused.status_code == 429
    assert "Too many wrong passwords for this account from here" in refused.content.decode()
    assert client.get(reverse("wagtailadmin_home")).status_code == 302  # not signed in


def test_guessing_from_one_address_does_not_lock_the_writer_out_from_another(client, writer):
    for _ in range(6):
        sign_in(client, "guess")

    elsewhere = sign_in(client, "right-pass", address="198.51.100.2")

    assert elsewhere.status_code == 302
    assert client.get(reverse("wagtailadmin_home")).status_code == 200


def test_the_lock_lifts_after_the_cool_off(client, writer, settings):
    for _ in range(5):
        sign_in(client, "guess")
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )

    assert sign_in(client, "right-pass").status_code == 302
