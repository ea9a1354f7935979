"""The Permissions-Policy header as Chromium reads it: every feature it names is one the browser
knows (an unknown one is reported on the console and ignored), the denied ones are off for the
page and its frames, and the video players may start and go fullscreen."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.browser

PLAYER = settings.VIDEO_PLAYER_ORIGINS[0]


def allows(page, feature: str, origin: str | None = None) -> bool:
    """Chromium's own answer, through its (Feature Policy) JavaScript interface."""
    return page.evaluate(
        "([feature, origin]) => origin ? document.featurePolicy.allowsFeature(feature, origin)"
        " : document.featurePolicy.allowsFeature(feature)",
        [feature, origin],
    )


def test_chromium_reads_every_feature_and_denies_the_device_apis(demo_site, page):
    complaints = []
    page.on(
        "console",
        lambda message: "Permissions-Policy" in message.text and complaints.append(message.text),
    )

    page.goto(demo_site + "/")

    assert complaints == []
    for feature in ["camera", "microphone", "geolocation", "payment", "usb"]:
        assert not allows(page, feature), feature
        assert not allows(page, feature, PLAYER), feature
    for feature in ["autoplay", "fullscreen", "encrypted-media", "picture-in-picture"]:
        assert allows(page, feature), feature
        assert allows(page, feature, PLAYER), feature
        assert not allows(page, feature, "https://elsewhere.example"), feature
