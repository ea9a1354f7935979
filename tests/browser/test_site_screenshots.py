"""The README's screenshots (tests/site_screenshots.py, bin/screenshots) are taken as a visitor
sees the pages: on a phone, where a page most easily spills sideways, nothing is wider than
the screen, every picture loads and no request leaves the site. (`make screenshots` checks the
same at desktop width.)"""

import pytest

from tests.site_screenshots import PAGES, photograph

pytestmark = pytest.mark.browser


def test_every_page_of_the_readme_fits_a_phone_with_its_pictures(demo_site, browser, tmp_path):
    photographs = photograph(browser, demo_site, tmp_path, widths=[390])

    assert len(photographs) == len(PAGES)
    for shot in photographs:
        assert shot.path.stat().st_size > 10_000, f"{shot.path.name} shows something"
        assert not shot.overflows, f"{shot.name} at {shot.path.name} scrolls sideways"
        assert shot.broken_images == [], f"{shot.path.name}: {shot.broken_images}"
        assert shot.elsewhere == [], f"{shot.path.name} asked {shot.elsewhere}"
