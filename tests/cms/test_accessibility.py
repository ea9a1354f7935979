"""Accessibility checks that hold for every page: colour contrast, headings, labelled controls."""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.management import call_command
from wagtail.models import Page

STYLESHEET = Path(settings.BASE_DIR) / "static" / "css" / "quire.css"

# Text colour, background colour: every pairing the stylesheet uses for text.
TEXT_PAIRS = [
    ("ink", "paper"),
    ("muted", "paper"),
    ("accent", "paper"),
    ("muted", "accent-soft"),
    ("accent", "accent-soft"),
    ("focus", "paper"),
]


def palette() -> dict[str, str]:
    root = re.search(r":root\s*{(.*?)}", STYLESHEET.read_text(), re.S).group(1)
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", root))


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("text, background", TEXT_PAIRS)
def test_text_colours_meet_wcag_aa_contrast(text, background):
    colours = palette()
    assert contrast(colours[text], colours[background]) >= 4.5


def test_white_on_accent_buttons_meet_wcag_aa_contrast():
    assert contrast("#ffffff", palette()["accent"]) >= 4.5


@pytest.fixture
def demo_pages(db, client):
    call_command("load_demo", verbosity=0)
    urls = [page.url for page in Page.objects.live().filter(depth__gt=1).specific()]
    urls += ["/blog/tag/local-news/", "/blog/archive/2026/11/", "/search/?q=canteen", "/shop/"]
    return {url: BeautifulSoup(client.get(url).content, "html.parser") for url in urls}


def test_every_page_has_exactly_one_h1_and_no_skipped_heading_levels(demo_pages):
    for url, page in demo_pages.items():
        levels = [int(h.name[1]) for h in page.find_all(re.compile(r"^h[1-6]$"))]
        assert levels.count(1) == 1, url
        assert levels[0] == 1, url
        for before, after in zip(levels, levels[1:], strict=False):
            assert after <= before + 1, f"{url}: h{before} followed by h{after}"


def test_every_form_control_has_a_label(demo_pages):
    for url, page in demo_pages.items():
        for control in page.find_all(["input", "select", "textarea"]):
            if control.get("type") in {"hidden", "submit"}:
                continue
            label = page.find("label", attrs={"for": control.get("id")})
            assert label is not None or control.get("aria-label"), f"{url}: {control}"


def test_every_image_has_an_alt_attribute(demo_pages):
    for url, page in demo_pages.items():
        for image in page.find_all("img"):
            assert image.has_attr("alt"), f"{url}: {image}"


def test_pages_declare_their_language(demo_pages):
    for page in demo_pages.values():
        assert page.html["lang"] == "en-GB"
