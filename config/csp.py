"""Content Security Policy: one fixed policy for the public site, a looser one for the admin.

The policies are built once from settings and hold no per-request nonce, because public pages
are cached whole and a nonce would be served to every later reader. Public templates therefore
carry no inline script, style or event-handler attribute; Wagtail's and Django's admin screens
still use inline scripts and styles, so paths under QUIRE_CSP_ADMIN_PREFIXES get
QUIRE_CSP_ADMIN, which allows them there and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def policy_header(directives: Mapping[str, Sequence[str]]) -> str:
    """`{"default-src": ["'self'"], ...}` as a header value; a directive with no sources is
    written bare (`upgrade-insecure-requests`)."""
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Sends QUIRE_CSP on every response (QUIRE_CSP_ADMIN under the admin prefixes), as
    Content-Security-Policy-Report-Only instead when QUIRE_CSP_REPORT_ONLY is on, and the
    X-Frame-Options that matches its `frame-ancestors`.

    Django's technical error pages (DEBUG only) are built from inline styles and scripts, so
    error responses go without a policy while DEBUG is on.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.header = (
            "Content-Security-Policy-Report-Only"
            if settings.QUIRE_CSP_REPORT_ONLY
            else "Content-Security-Policy"
        )
        self.public_policy = policy_header(settings.QUIRE_CSP)
        # A preview is a public page drawn inside the admin's preview panel: the same policy,
        # but the admin (same origin) may frame it.
        self.preview_policy = policy_header({**settings.QUIRE_CSP, "frame-ancestors": ["'self'"]})
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
        if is_preview(request):
            return self.preview_policy
        return self.public_policy


def is_preview(request: HttpRequest) -> bool:
    """Whether Wagtail is rendering a page for the admin's preview (it sets `is_preview` on
    the request it runs through the middleware for that)."""
    return getattr(request, "is_preview", False)
