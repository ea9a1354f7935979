"""The Permissions-Policy header: no page may use the camera, microphone, location or payment
APIs; only the video players a reader starts may autoplay, go fullscreen and play protected
media."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

DENIED = ["camera", "microphone", "geolocation", "payment", "usb", "display-capture"]
PLAYER_FEATURES = ["autoplay", "fullscreen", "encrypted-media", "picture-in-picture"]


def features(header: str) -> dict[str, list[str]]:
    """`camera=(), autoplay=(self "https://x")` as {"camera": [], "autoplay": ["self", ...]}."""
    parsed = {}
    for item in header.split(","):
        name, allowlist = item.strip().split("=", 1)
        assert allowlist.startswith("(") and allowlist.endswith(")"), item
        parsed[name] = allowlist[1:-1].split()
    return parsed


@pytest.mark.parametrize("path", ["/", "/shop/", "/shop/basket/", "/no-such-page/"])
def test_public_pages_deny_camera_microphone_location_and_payment(client, home, path):
    policy = features(client.get(path)["Permissions-Policy"])

    for feature in DENIED:
        assert policy[feature] == [], feature


def test_a_cached_page_carries_the_policy_too(client, home):
    client.get("/")
    again = client.get("/")

    assert again["X-Cache"] == "HIT"
    assert features(again["Permissions-Policy"])["camera"] == []


def test_the_admin_denies_them_too(admin_client):
    response = admin_client.get("/admin/")

    assert response.status_code == 200
    assert features(response["Permissions-Policy"])["microphone"] == []


def test_only_the_video_players_may_autoplay_and_go_fullscreen(client, home):
    """A player loads when the reader presses play, so it must start at once and may go
    fullscreen; the providers' iframes ask for these in their `allow` attribute."""
    policy = features(client.get("/")["Permissions-Policy"])

    players = [f'"{origin}"' for origin in settings.VIDEO_PLAYER_ORIGINS]
    for feature in PLAYER_FEATURES:
        assert policy[feature] == ["self", *players], feature
