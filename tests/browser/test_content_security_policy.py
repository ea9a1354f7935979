"""The Content Security Policy in a real browser: the demo site's public pages break none of it,
and a video player the reader asks for is let through. Nothing leaves loopback: requests to any
other host are recorded and aborted, so a player's iframe shows whether the policy allowed it
(a request is only made once the policy has said yes)."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed

from cms.demo import MUSIC_VIDEO_URL

pytestmark = pytest.mark.browser

LOOPBACK = {"127.0.0.1", "localhost", "[::1]"}

# Added to every document before its own scripts run (Playwright's init scripts are not subject
# to the page's policy), so violations from the page's first byte on are seen.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI}`);
});
"""


class PolicyWatch:
    """A browser tab that records CSP violations, from the console and from
    `securitypolicyviolation` events, and every request it was stopped from sending off
    loopback."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.add_init_script(RECORD_VIOLATIONS)
        self.context.route("**/*", self._keep_on_loopback)
        self.page = self.context.new_page()
        # A loaded CI machine renders a post in over a second; waits for the network to go
        # quiet get room for a few of those.
        self.page.set_default_timeout(20_000)
        self.violations: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", self._console)

    def _keep_on_loopback(self, route):
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.violations.append(f"{self.page.url}: {message.text}")

    def collect(self, settle="networkidle"):
        """Gather the events the current document saw, before the next navigation drops them.
        `settle`: the load state to wait for first (a quiet network, unless the test has
        waited itself)."""
        self.page.wait_for_load_state(settle)
        events = self.page.evaluate("window.cspViolations || []")
        self.violations.extend(f"{self.page.url}: {event}" for event in events)

    def visit(self, url: str):
        self.page.goto(url)
        self.collect()


@pytest.fixture
def watch(browser):
    watch = PolicyWatch(browser)
    yield watch
    watch.context.close()


PUBLIC_PAGES = [
    "/",
    "/blog/",
    "/blog/tales-of-the-unexpected/",  # quotes, call-out, video embed
    "/blog/walking-the-canal-at-dawn/",  # image block
    "/blog/a-launch-night-to-remember/",  # featured products
    "/blog/where-dirty-old-town-began/",  # cover image, pre-order product
    "/blog/tag/local-news/",
    "/search/?q=canteen",
    "/about/",
    "/pre-order/",
    "/shop/",
    "/shop/products/dirty-old-town/",
    "/shop/products/dirty-old-town-tote-bag/",
    "/shop/basket/",
    "/no-such-page/",
]


def test_public_pages_break_no_rule_of_the_policy(demo_site, watch):
    for path in PUBLIC_PAGES:
        watch.visit(demo_site + path)

    assert watch.violations == []
    assert watch.outside == []


def test_basket_checkout_and_cancel_break_no_rule_of_the_policy(demo_site, fake_stripe, watch):
    """Adding to the basket, the checkout form's redirect to the payment page (form-action) and
    coming back through the cancel link."""
    page = watch.page
    watch.visit(demo_site + "/blog/a-launch-night-to-remember/")
    tote = page.locator(".featured-product", has_text="Dirty Old Town tote bag")
    tote.get_by_role("button", name="Add to basket").click()
    expect(page).to_have_url(demo_site + "/shop/basket/")
    watch.collect()

    page.get_by_label("Email for your receipt").fill("buyer@example.com")
    page.get_by_role("button", name="securely with Stripe").click()
    expect(page.locator("body")).to_contain_text("16.95")  # the local Stripe's payment page
    page.get_by_role("link", name="Cancel").click()

    expect(page.locator(".message")).to_contain_text("Checkout cancelled")
    watch.collect()
    assert watch.violations == []
    assert watch.outside == []


def test_pressing_play_is_not_blocked_by_the_policy(demo_site, watch):
    """The player's iframe goes to YouTube's host; the policy lets it through (the request is
    then aborted here, as nothing may reach the internet)."""
    Embed.objects.create(
        url=MUSIC_VIDEO_URL,
        hash=get_embed_hash(MUSIC_VIDEO_URL),
        type="video",
        provider_name="YouTube",
        title="The Pogues - Dirty Old Town",
        html='<iframe width="200" height="113" '
        'src="https://www.youtube-nocookie.com/embed/1bRPYJZIMSg?feature=oembed" '
        'allow="autoplay; encrypted-media; picture-in-picture" allowfullscreen '
        'title="The Pogues - Dirty Old Town"></iframe>',
    )
    watch.visit(demo_site + "/blog/tales-of-the-unexpected/")
    assert watch.outside == []

    watch.page.get_by_role("button", name="Play here").click()

    expect(watch.page.locator(".embed__player iframe")).to_have_count(1)
    watch.page.wait_for_timeout(500)  # let a refusal reach the console if there is one
    # Not "networkidle": the player's frame, its request aborted here, can keep a loaded
    # machine's network from ever looking idle (this wait timed out twice in CI).
    watch.collect(settle="load")
    assert watch.violations == []
    assert [urlsplit(url).hostname for url in watch.outside] == ["www.youtube-nocookie.com"]
