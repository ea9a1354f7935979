"""Content Security Policy: one fixed policy for the public site, a looser one for the admin.

The policies are built once from settings and hold no per-request nonce, because public pages
are cached whole and a nonce would be served to every later reader. Public templates therefore
carry no inline script, style or event-handler attribute; Wagtail's and Django's admin screens
still use inline scripts and styles, so paths under QUIRE_CSP_ADMIN_PREFIXES get
QUIRE_CSP_ADMIN, which allows them there and nowhere else.

The checkout form's redirect to the payment page is a form action too (Chrome applies
`form-action` to the redirects that follow a form POST), so the public policy's `form-action`
names the Stripe Checkout origin actually in use, derived here and only here from
STRIPE_API_BASE: Stripe's own, or the local Stripe-compatible server's.

The Permissions-Policy header, the other policy every response carries, is built here too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"


def stripe_checkout_origin() -> str:
    """Where checkout sends the buyer to pay: Stripe Checkout, or, when STRIPE_API_BASE points
    at a Stripe-compatible server (the tests', `make run`'s), that server, whose hosted payment
    page shares its API's origin."""
    if not settings.STRIPE_API_BASE:
        return STRIPE_CHECKOUT_ORIGIN
    parts = urlsplit(settings.STRIPE_API_BASE)
    return f"{parts.scheme}://{parts.netloc}"


def public_policy(directives: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """QUIRE_CSP (or a variant of it) with the Stripe Checkout origin added to `form-action`."""
    policy = {name: list(sources) for name, sources in directives.items()}
    policy["form-action"] = [*policy.get("form-action", []), stripe_checkout_origin()]
    return policy


def policy_header(directives: Mapping[str, Sequence[str]]) -> str:
    """`{"default-src": ["'self'"], ...}` as a header value; a directive with no sources is
    written bare (`upgrade-insecure-requests`)."""
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Sends QUIRE_CSP on every response (QUIRE_CSP_ADMIN under the admin prefixes), as
    Content-Security-Policy-Report-Only instead when QUIRE_CSP_REPORT_ONLY is on, and the
    X-Frame-Options that matches its `frame-ancestors`.

    Django's technical error pages (DEBUG only) are built from inline styles and scripts, so
    error responses go without a policy while DEBUG is on. The public policies are built on
    first use for each Stripe Checkout origin, because the tests choose the local Stripe
    server's port after the middleware is made.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.header = (
            "Content-Security-Policy-Report-Only"
            if settings.QUIRE_CSP_REPORT_ONLY
            else "Content-Security-Policy"
        )
        self.public_directives = settings.QUIRE_CSP
        self.public_policies: dict[str, tuple[str, str]] = {}
        self.admin_policy = policy_header(settings.QUIRE_CSP_ADMIN)
        self.admin_prefixes = tuple(settings.QUIRE_CSP_ADMIN_PREFIXES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.DEBUG and response.status_code >= 400:
            return response
        if self.header not in response:
            response[self.header] = self.policy_for(request)
        if self.admin_may_frame(request):
            # For browsers that read only X-Frame-Options (Django's middleware says DENY).
            response["X-Frame-Options"] = "SAMEORIGIN"
        return response

    def admin_may_frame(self, request: HttpRequest) -> bool:
        """Admin screens and previews may be framed by the admin itself: that is how Wagtail's
        preview panel shows the page beside its form. Public pages may not be framed."""
        return request.path_info.startswith(self.admin_prefixes) or is_preview(request)

    def policy_for(self, request: HttpRequest) -> str:
        if request.path_info.startswith(self.admin_prefixes):
            return self.admin_policy
        public, preview = self.public_policies_for(stripe_checkout_origin())
        return preview if is_preview(request) else public

    def public_policies_for(self, checkout_origin: str) -> tuple[str, str]:
        """The public policy and the preview's: a preview is a public page drawn inside the
        admin's preview panel, so the same policy, except that the admin may frame it."""
        if checkout_origin not in self.public_policies:
            policy = public_policy(self.public_directives)
            self.public_policies[checkout_origin] = (
                policy_header(policy),
                policy_header({**policy, "frame-ancestors": ["'self'"]}),
            )
        return self.public_policies[checkout_origin]


def permissions_policy_header(features: Mapping[str, Sequence[str]]) -> str:
    """`{"camera": [], "autoplay": ["self"]}` as `camera=(), autoplay=(self)`."""
    return ", ".join(f"{name}=({' '.join(allowlist)})" for name, allowlist in features.items())


class PermissionsPolicyMiddleware:
    """Sends QUIRE_PERMISSIONS_POLICY on every response, public, cached or admin: what it denies
    no page, and no frame in one, may use."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.header = permissions_policy_header(settings.QUIRE_PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.header)
        return response


def is_preview(request: HttpRequest) -> bool:
    """Whether Wagtail is rendering a page for the admin's preview (it sets `is_preview` on
    the request it runs through the middleware for that)."""
    return getattr(request, "is_preview", False)
