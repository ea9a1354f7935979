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
from django.middleware.clickjacking import XFrameOptionsMiddleware


def policy_header(directives: Mapping[str, Sequence[str]]) -> str:
    """`{"default-src": ["'self'"], ...}` as a header value; a directive with no sources is
    written bare (`upgrade-insecure-requests`)."""
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Sends QUIRE_CSP on every response (QUIRE_CSP_ADMIN under the admin prefixes), as
    Content-Security-Policy-Report-Only instead when QUIRE_CSP_REPORT_ONLY is on.

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
        return response

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


class FramingMiddleware(XFrameOptionsMiddleware):
    """X-Frame-Options to match each policy's `frame-ancestors`: no site may frame a public
    page (DENY), while admin screens and previews may be framed by the admin itself
    (SAMEORIGIN), which is how Wagtail's preview panel shows the page beside its form."""

    def get_xframe_options_value(self, request: HttpRequest, response: HttpResponse) -> str:
        if request.path_info.startswith(tuple(settings.QUIRE_CSP_ADMIN_PREFIXES)):
            return "SAMEORIGIN"
        if is_preview(request):
            return "SAMEORIGIN"
        return "DENY"
