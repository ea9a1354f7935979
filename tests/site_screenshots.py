"""Photographs of the pages readers and buyers see most, on a desktop and on a phone.

Home, a post, the shop, a product, the basket with two items and the Pre-Order Form refused
with its error summary, each at 1280×800 and 390×844, saved as `<page>-<width>.jpg` (what the
first screen shows, as a visitor first sees it). Every photograph also checks what a visitor
would notice: nothing wider than the screen, no broken picture, and no request to any other
host. `bin/screenshots` runs this on the demo site for the README;
tests/browser/test_site_screenshots.py runs it on the test database's demo.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import TimeoutError as PlaywrightTimeout

SIZES = {1280: {"width": 1280, "height": 800}, 390: {"width": 390, "height": 844}}
POST = "/blog/tales-of-the-unexpected/"
PRODUCT = "/shop/products/dirty-old-town-tote-bag/"
IN_THE_BASKET = [PRODUCT, "/shop/products/songs-from-the-launch-night/"]


ALL_PICTURES_LOADED = "() => [...document.images].every(image => image.complete)"
# The top of the page, or the error summary a refused form put the visitor on.
BACK_TO_WHERE_THE_VISITOR_LOOKS = """() => {
  const focused = document.activeElement;
  if (focused && focused.matches("[data-error-summary]")) {
    focused.scrollIntoView({block: "center"});
  } else {
    window.scrollTo(0, 0);
  }
}"""


@dataclass
class Photograph:
    name: str
    path: Path
    overflows: bool  # wider than the screen: the visitor would have to scroll sideways
    broken_images: list[str]
    elsewhere: list[str] = field(default_factory=list)  # requests to another host


def _fill_basket(page, base: str) -> None:
    for path in IN_THE_BASKET:
        page.goto(base + path)
        page.locator("main form.buy-form").first.get_by_role("button").click()
        page.wait_for_load_state()


def _refuse_a_pre_order(page, base: str) -> None:
    page.goto(base + "/pre-order/")
    page.get_by_label("Full name").fill("Ruth O'Reader")
    page.get_by_label("Email").fill("ruth@example.com")
    page.get_by_label("Address", exact=False).first.fill("1 Canal Street")
    page.get_by_label("Town or city").fill("Salford")
    page.get_by_label("Postcode").fill("M5")
    page.get_by_label("I have read the terms").check()
    page.get_by_role("button", name="Place my pre-order").click()
    page.wait_for_load_state()


# (name, how to get there): each step leaves the page as a visitor would see it.
PAGES = [
    ("home", lambda page, base: page.goto(base + "/")),
    ("post", lambda page, base: page.goto(base + POST)),
    ("shop", lambda page, base: page.goto(base + "/shop/")),
    ("product", lambda page, base: page.goto(base + PRODUCT)),
    ("basket", lambda page, base: (_fill_basket(page, base), page.goto(base + "/shop/basket/"))),
    ("pre-order-errors", _refuse_a_pre_order),
]


def photograph(browser, base: str, out: Path, widths=tuple(SIZES)) -> list[Photograph]:
    out.mkdir(parents=True, exist_ok=True)
    host = urlsplit(base).netloc
    photographs = []
    for width in widths:
        viewport = SIZES[width]
        for name, visit in PAGES:
            context = browser.new_context(
                viewport=viewport, is_mobile=width < 600, has_touch=width < 600
            )
            page = context.new_page()
            elsewhere: list[str] = []
            page.on(
                "request",
                lambda request, elsewhere=elsewhere: (
                    urlsplit(request.url).scheme in ("http", "https")
                    and urlsplit(request.url).netloc != host
                    and elsewhere.append(request.url)
                ),
            )
            visit(page, base)
            page.wait_for_load_state("networkidle")
            images = page.locator("img")
            for index in range(images.count()):  # lazy pictures load once scrolled to
                images.nth(index).scroll_into_view_if_needed()
            with suppress(PlaywrightTimeout):  # reported below as broken pictures
                page.wait_for_function(ALL_PICTURES_LOADED, timeout=10_000)
            page.wait_for_load_state("networkidle")
            page.evaluate(BACK_TO_WHERE_THE_VISITOR_LOOKS)
            broken = page.evaluate(
                "() => [...document.images].filter(i => !i.complete || !i.naturalWidth)"
                ".map(i => i.currentSrc || i.src)"
            )
            overflows = page.evaluate(
                "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
            )
            path = out / f"{name}-{width}.jpg"
            page.screenshot(path=path, type="jpeg", quality=80)
            photographs.append(Photograph(name, path, overflows, broken, elsewhere))
            context.close()
    return photographs
